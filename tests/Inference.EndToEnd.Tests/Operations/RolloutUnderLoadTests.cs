using System.Diagnostics;
using Inference.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Inference.EndToEnd.Tests.Operations;

/// <summary>Weight changes and rollback through the admin API while callers keep calling: nothing fails.</summary>
[Collection(StackCollection.Name)]
public sealed class RolloutUnderLoadTests(IrisStack stack, ITestOutputHelper output)
{
    private const int Callers = 6;
    private const int CallsPerPhase = 250;

    // Even phases are settled weights; odd phases are an admin call in progress.
    private static readonly Weights Start = new(50, 50);
    private static readonly Weights Ramped = new(10, 90);
    private static readonly Weights RolledBack = new(100, 0);
    private static readonly Weights[] Settled = [Start, Ramped, RolledBack];

    [Fact]
    public async Task WeightChangeThenRollback_UnderLoad_FailNothing_AndRollbackSendsEveryNewCallToControl()
    {
        // A router of its own: the shared one keeps its weights for the other tests.
        await using var router = await RouterProcess.StartAsync(RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], Start.Control, Start.Treatment));
        var clock = Stopwatch.StartNew();
        await using var load = new LoadRun(router.Client, Callers, LoadRun.StickyUsers);

        await load.WaitForMoreAsync(CallsPerPhase);
        load.Phase = 1;
        await router.SetWeightsAsync(Ramped.Control, Ramped.Treatment);
        load.Phase = 2;
        await load.WaitForMoreAsync(CallsPerPhase);
        load.Phase = 3;
        await router.RollbackAsync();
        load.Phase = 4;
        await load.WaitForMoreAsync(CallsPerPhase);
        var records = await load.StopAsync();
        output.WriteLine($"{records.Count} calls by {Callers} callers in {clock.Elapsed.TotalSeconds:0.0} s");

        var failures = records.Where(r => !r.Truthful).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {records.Count} calls failed or were mistagged:\n{string.Join('\n', failures.Take(20))}\nrouter log:\n{router.Process.Output}");
        foreach (var record in records)
        {
            // The group is the one the contract gives under some weights in effect between send and answer.
            var allowed = AllowedGroups(record);
            Assert.True(allowed.Contains(record.Tags.ExperimentGroup!), $"group not in [{string.Join(",", allowed)}]: {record}");
            Assert.Equal(Assignment.VersionOf(record.Tags.ExperimentGroup!), record.Tags.ModelVersion);
        }

        var afterRollback = records.Where(r => r.PhaseAtStart == 4).ToList();
        Assert.True(afterRollback.Count >= CallsPerPhase - Callers, $"only {afterRollback.Count} calls after the rollback");
        Assert.All(afterRollback, r => Assert.Equal(("control", "1"), (r.Tags.ExperimentGroup, r.Tags.ModelVersion)));

        // Both versions served before the rollback, in the direction the weights moved.
        var beforeRamp = records.Where(r => r.PhaseAtEnd == 0).ToList();
        var ramped = records.Where(r => r.PhaseAtStart == 2 && r.PhaseAtEnd == 2).ToList();
        Assert.Contains(beforeRamp, r => r.Tags.ModelVersion == "1");
        Assert.Contains(beforeRamp, r => r.Tags.ModelVersion == "2");
        Assert.True(Share(ramped, "2") > Share(beforeRamp, "2"), $"treatment share {Share(beforeRamp, "2"):P0} → {Share(ramped, "2"):P0}");

        var metrics = await router.ScrapeAsync();
        Assert.Equal(100, metrics.Find("router_weight", ("model", "iris"), ("group", "control")));
        Assert.Equal(0, metrics.Find("router_weight", ("model", "iris"), ("group", "treatment")));
        Assert.Equal(0, metrics.Sum("router_version_mismatch_total"));
    }

    private static HashSet<string> AllowedGroups(CallRecord record)
    {
        var first = record.PhaseAtStart / 2;
        var last = (record.PhaseAtEnd + 1) / 2;
        return Settled[first..(last + 1)].Select(w => Assignment.Group(record.Key, w)).ToHashSet(StringComparer.Ordinal);
    }

    private static double Share(IReadOnlyCollection<CallRecord> records, string version) =>
        records.Count == 0 ? 0 : (double)records.Count(r => r.Tags.ModelVersion == version) / records.Count;
}
