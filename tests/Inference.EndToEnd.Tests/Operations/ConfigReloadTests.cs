using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Inference.EndToEnd.Tests.Operations;

/// <summary>
/// The router's configuration file replaced while it runs (as the kubelet swaps a ConfigMap): a good
/// file takes effect for the next calls without failing or disconnecting anyone; a bad one is refused
/// with its reason and changes nothing.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class ConfigReloadTests(IrisStack stack, ITestOutputHelper output)
{
    private const int Callers = 6;
    private const int CallsPerPhase = 250;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly Weights Even = new(50, 50);
    private static readonly Weights AllControl = new(100, 0);

    // Phases: 0 the even file; 1 the 100/0 file written, reload not yet seen; 2 the router has published it.
    [Fact]
    public async Task GoodFile_UnderLoad_SendsEveryLaterCallToControl_WithoutAFailedCallOrANewConnection()
    {
        await using var router = await RouterProcess.StartAsync(Config(Even));
        var (revision, _, _) = await router.GetWeightsAsync();
        using var connection = new CountedConnections(router.GrpcAddress);
        await using var load = new LoadRun(connection.Client, Callers, LoadRun.StickyUsers);

        await load.WaitForMoreAsync(CallsPerPhase);
        load.Phase = 1;
        await router.WriteConfigAsync(Config(AllControl));
        await router.Process.WaitForLineAsync(Reloaded(revision + 1), Patience);
        load.Phase = 2;
        await load.WaitForMoreAsync(CallsPerPhase);
        var records = await load.StopAsync();
        output.WriteLine($"{records.Count} calls, {records.Count(r => r.PhaseAtStart == 1)} while the file was being picked up");

        var failures = records.Where(r => !r.Truthful).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {records.Count} calls failed or were mistagged:\n{string.Join('\n', failures.Take(20))}\nrouter log:\n{router.Process.Output}");
        foreach (var record in records)
        {
            // Each call is routed by the file in force at some moment between its send and its answer.
            var allowed = new List<string>();
            if (record.PhaseAtStart < 2)
            {
                allowed.Add(Assignment.Group(record.Key, Even));
            }

            if (record.PhaseAtEnd > 0)
            {
                allowed.Add(Assignment.Group(record.Key, AllControl));
            }

            Assert.True(allowed.Contains(record.Tags.ExperimentGroup!), $"group not in [{string.Join(",", allowed)}]: {record}");
            Assert.Equal(Assignment.VersionOf(record.Tags.ExperimentGroup!), record.Tags.ModelVersion);
        }

        var before = records.Where(r => r.PhaseAtEnd == 0).ToList();
        Assert.Contains(before, r => r.Tags.ModelVersion == "2");
        var after = records.Where(r => r.PhaseAtStart == 2).ToList();
        Assert.True(after.Count >= CallsPerPhase - Callers, $"only {after.Count} calls after the reload");
        Assert.All(after, r => Assert.Equal(("control", "1"), (r.Tags.ExperimentGroup, r.Tags.ModelVersion)));

        // One TCP connection carried every call: the reload closed no connection and sent no GOAWAY.
        Assert.Equal(1, connection.Opened);
        Assert.Equal((revision + 1, AllControl, "config"), await router.GetWeightsAsync());
        var metrics = await router.ScrapeAsync();
        Assert.Equal(2, metrics.Find("router_config_reloads_total", ("result", "applied")));
        Assert.Null(metrics.Find("router_config_reloads_total", ("result", "rejected")));
    }

    [Fact]
    public async Task BadFile_IsRejectedWithItsReason_RoutingAndRevisionStay_AndTheNextGoodFileIsTaken()
    {
        await using var router = await RouterProcess.StartAsync(Config(Even));
        var (revision, _, _) = await router.GetWeightsAsync();

        // It would send everyone to treatment, were it valid: its treatment names a version that does not exist.
        var bad = JsonNode.Parse(Config(new Weights(0, 100)))!;
        bad["models"]!["iris"]!["experiment"]!["groups"]![1]!["version"] = "3";
        await router.WriteConfigAsync(bad.ToJsonString());
        var rejected = await router.Process.WaitForLineAsync(RejectedLine(), Patience);

        Assert.Equal(router.ConfigPath, rejected.Groups["path"].Value);
        Assert.Contains("experiment group 'treatment' names unknown version '3'", rejected.Groups["reason"].Value, StringComparison.Ordinal);
        Assert.Equal((revision, Even, "config"), await router.GetWeightsAsync());
        var metrics = await router.ScrapeAsync();
        Assert.Equal(1, metrics.Find("router_config_reloads_total", ("result", "rejected")));
        Assert.Equal(50, metrics.Find("router_weight", ("model", "iris"), ("group", "treatment")));
        await RoutedUsers.AssertRoutedByAsync(router, Even);

        // The watcher lives on: the next valid file is applied.
        await router.WriteConfigAsync(Config(AllControl));
        await router.Process.WaitForLineAsync(Reloaded(revision + 1), Patience);
        Assert.Equal((revision + 1, AllControl, "config"), await router.GetWeightsAsync());
        await RoutedUsers.AssertRoutedByAsync(router, AllControl);
    }

    private string Config(Weights weights) =>
        RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], weights.Control, weights.Treatment);

    private static Regex Reloaded(long revision) => new($@"Routing revision {revision} published \(reloaded ");

    [GeneratedRegex(@"Configuration (?<path>\S+) rejected, keeping the running configuration: (?<reason>.+)$")]
    private static partial Regex RejectedLine();
}
