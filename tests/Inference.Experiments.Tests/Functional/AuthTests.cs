using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class AuthTests(RouterPair routers) : IDisposable
{
    private readonly string _tokenFile = Path.GetTempFileName();

    [Fact]
    public async Task Token_Wrong_Reports403OnEachInstanceAndChangesNothing()
    {
        var before = await routers.Probe.GetAsync(routers.First, "auth");
        await File.WriteAllTextAsync(_tokenFile, "not-the-token\n");

        var result = await Tool.RunAsync("set", "auth", "treatment=50", "--token-file", _tokenFile, "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 1, result.ToString());
        foreach (var router in new[] { routers.First, routers.Second })
        {
            Assert.Contains("FAILED        HTTP 403: invalid token", result.LineOf(RouterPair.Name(router)), StringComparison.Ordinal);
        }

        var after = await routers.Probe.GetAsync(routers.First, "auth");
        Assert.Equal((before.Revision, 10m), (after.Revision, after.Treatment));
    }

    [Fact]
    public async Task Token_None_Reports401AndWhereATokenComesFrom()
    {
        var result = await Tool.RunAsync(["status", "auth", "--admin", routers.BothAdmins], c => c with { Environment = _ => null });

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = result.LineOf(RouterPair.Name(routers.Second));
        Assert.Contains("HTTP 401: missing bearer token", line, StringComparison.Ordinal);
        Assert.Contains("ROUTER_ADMIN_TOKEN or --token-file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_FileAndEnvironment_FileWins()
    {
        await File.WriteAllTextAsync(_tokenFile, RouterProcess.AdminToken + "\n");

        var result = await Tool.RunAsync(["status", "auth", "--token-file", _tokenFile, "--admin", routers.BothAdmins], c => c with { Environment = _ => "not-the-token" });

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public void Dispose() => File.Delete(_tokenFile);
}
