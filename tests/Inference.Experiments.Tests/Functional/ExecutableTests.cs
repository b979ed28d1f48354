using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

/// <summary>The built executable, as an experimenter runs it: arguments, environment, stdout, exit code.</summary>
[Collection(RouterCollection.Name)]
public sealed class ExecutableTests(RouterPair routers)
{
    [Fact]
    public async Task Executable_TokenFromTheEnvironment_ChangesBothRouters()
    {
        var (exitCode, output) = await RunAsync(RouterProcess.AdminToken, "set", "exe", "control=20", "treatment=80", "--admin", routers.BothAdmins);

        Assert.True(exitCode == 0, output);
        Assert.Equal(80m, (await routers.Probe.GetAsync(routers.First, "exe")).Treatment);
        Assert.Equal(80m, (await routers.Probe.GetAsync(routers.Second, "exe")).Treatment);
        Assert.Contains("done on all 2 instances", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executable_UsageError_Exits2()
    {
        var (exitCode, output) = await RunAsync(RouterProcess.AdminToken, "promote", "exe", "--admin", routers.BothAdmins);

        Assert.True(exitCode == 2, output);
        Assert.Contains("error: unknown command 'promote'", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string token, params string[] args)
    {
        var result = await ChildProcess.RunAsync(
            ChildProcess.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "inference-exp.dll"), .. args],
            new Dictionary<string, string?> { ["ROUTER_ADMIN_TOKEN"] = token }, TimeSpan.FromSeconds(60));
        return (result.ExitCode, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
    }
}
