using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Operations;

/// <summary>
/// Admin weight changes kept in --state-file: they survive a router restart, and a later change to the
/// experiment in the configuration file supersedes them (logged), because the file is the durable intent.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class StateFileTests(IrisStack stack)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly Weights Configured = new(50, 50);
    private static readonly Weights ByAdmin = new(20, 80);
    private static readonly Weights Reconfigured = new(90, 10);

    [Fact]
    public async Task AdminWeights_SurviveARestart_ThenAConfigChangeToTheExperimentSupersedesThem()
    {
        Assert.True(RoutedUsers.Distinguish(Configured, ByAdmin) && RoutedUsers.Distinguish(ByAdmin, Reconfigured), "the users cannot tell the weights apart");
        await using var first = await RouterProcess.StartAsync(Config(Configured), RouterLaunch.Default with { StateFile = true });
        await first.SetWeightsAsync(ByAdmin.Control, ByAdmin.Treatment);
        Assert.Equal(new Dictionary<string, double> { ["control"] = 20, ["treatment"] = 80 }, SavedWeights(first));

        await using var second = await first.RestartAsync();

        await second.Process.WaitForLineAsync(new Regex(@"Admin weights for model 'iris' restored from the state file: \{control:20,treatment:80\}"), Patience);
        var (revision, weights, source) = await second.GetWeightsAsync();
        Assert.Equal((ByAdmin, "admin"), (weights, source));
        await RoutedUsers.AssertRoutedByAsync(second, ByAdmin);

        // The operator writes the experiment's new split into the file: the file wins, and says so.
        await second.WriteConfigAsync(Config(Reconfigured));
        var superseded = await second.Process.WaitForLineAsync(
            new Regex(@"Admin weights for model 'iris' \(set by (?<who>\S+) at [^)]+\) superseded: the configuration file changed this model's experiment"), Patience);
        await second.Process.WaitForLineAsync(new Regex($@"Routing revision {revision + 1} published \(reloaded "), Patience);

        // The audit identity is a digest prefix of the token that made the change, never the token.
        var tokenDigest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RouterProcess.AdminToken)))[..8];
        Assert.Equal($"token:{tokenDigest}@127.0.0.1", superseded.Groups["who"].Value);
        Assert.Equal((revision + 1, Reconfigured, "config"), await second.GetWeightsAsync());
        Assert.Null(SavedWeights(second));
        await RoutedUsers.AssertRoutedByAsync(second, Reconfigured);
    }

    private string Config(Weights weights) =>
        RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], weights.Control, weights.Treatment);

    /// <summary>The admin weights the state file holds for iris, or null when it holds none.</summary>
    private static Dictionary<string, double>? SavedWeights(RouterProcess router)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(router.StateFilePath));
        return state.RootElement.GetProperty("models").TryGetProperty("iris", out var iris)
            ? iris.GetProperty("weights").EnumerateObject().ToDictionary(w => w.Name, w => w.Value.GetDouble())
            : null;
    }
}
