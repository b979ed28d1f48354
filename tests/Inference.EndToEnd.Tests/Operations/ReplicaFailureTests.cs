using System.Text.RegularExpressions;
using Inference.EndToEnd.Tests.Infrastructure;
using Grpc.Core;
using Xunit.Abstractions;

namespace Inference.EndToEnd.Tests.Operations;

/// <summary>
/// One of two v2 replicas goes away while callers keep calling the treatment group: stopped
/// gracefully (SIGTERM: not ready, drain, exit) or killed (SIGKILL). Replicas and router run with their
/// default drain delay and health-check interval (see <see cref="ReplicaPair"/>).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReplicaFailureTests(IrisStack stack, ITestOutputHelper output)
{
    private const int Callers = 6;
    private const int CallsPerPhase = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Phases: 0 both replicas up; 1 signal sent; 2 the router has taken the replica out (SIGTERM) or its process
    // has exited (SIGKILL); 3 both.
    [Fact]
    public async Task Sigterm_OneOfTwoReplicasUnderLoad_FailsNothing()
    {
        await using var replicas = await ReplicaPair.StartAsync(stack);
        await using var load = new LoadRun(replicas.Router.Client, Callers, LoadRun.Group("treatment"));
        await load.WaitForMoreAsync(CallsPerPhase);
        await Wait.UntilAsync(async () => await replicas.Stopping.InferOkCountAsync() > 0 && await replicas.Surviving.InferOkCountAsync() > 0,
            "both v2 replicas to have served calls");

        load.Phase = 1;
        replicas.Stopping.Process.Signal(Signals.Term);
        await replicas.WaitUntilOutOfRotationAsync();
        load.Phase = 2;
        var exitCode = await replicas.Stopping.Process.WaitForExitAsync(Patience);
        // Counted before phase 3 begins: a call that starts in phase 3 can only add to the survivor's count after this read.
        var survivingBefore = await replicas.Surviving.InferOkCountAsync();
        load.Phase = 3;
        await load.WaitForMoreAsync(CallsPerPhase);
        var records = await load.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("Draining:", replicas.Stopping.Process.Output, StringComparison.Ordinal);
        // Taken out by the NOT_SERVING the replica pushed over the health Watch, not by a periodic Check 5 s apart.
        Assert.Matches(new Regex($"Endpoint {Regex.Escape(replicas.Stopping.Endpoint)} \\(\\S+\\) is now unhealthy: Watch: NOT_SERVING"), replicas.Router.Process.Output);
        var failures = records.Where(r => !r.Truthful).ToList();
        output.WriteLine($"{records.Count} calls, {records.Count(r => r.PhaseAtStart == 1)} while the replica drained, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {records.Count} calls failed or were mistagged:\n{string.Join('\n', failures.Take(20))}\n{replicas.Logs()}");
        Assert.All(records, r => Assert.Equal(("2", "treatment"), (r.Tags.ModelVersion, r.Tags.ExperimentGroup)));
        Assert.Contains(records, r => r.PhaseAtStart == 1);
        await AssertSurvivorServedAsync(replicas, records, survivingBefore);
    }

    [Fact]
    public async Task Sigkill_OneOfTwoReplicasUnderLoad_FailsOnlyCallsItHad_ThenAllSucceedOnTheSurvivor()
    {
        await using var replicas = await ReplicaPair.StartAsync(stack);
        await using var load = new LoadRun(replicas.Router.Client, Callers, LoadRun.Group("treatment"));
        await load.WaitForMoreAsync(CallsPerPhase);
        await Wait.UntilAsync(async () => await replicas.Stopping.InferOkCountAsync() > 0 && await replicas.Surviving.InferOkCountAsync() > 0,
            "both v2 replicas to have served calls");

        load.Phase = 1;
        replicas.Stopping.Process.Signal(Signals.Kill);
        await replicas.Stopping.Process.WaitForExitAsync(Patience);
        load.Phase = 2;
        await replicas.WaitUntilOutOfRotationAsync();
        // Counted before phase 3 begins: a call that starts in phase 3 can only add to the survivor's count after this read.
        var survivingBefore = await replicas.Surviving.InferOkCountAsync();
        load.Phase = 3;
        await load.WaitForMoreAsync(CallsPerPhase);
        var records = await load.StopAsync();

        var failures = records.Where(r => !r.Ok).ToList();
        output.WriteLine($"{records.Count} calls, {failures.Count} failed: {string.Join("; ", failures)}");
        // Only calls the dead replica already had can fail: at most one per caller, all before it was taken out.
        Assert.True(failures.Count <= Callers, $"{failures.Count} failures:\n{string.Join('\n', failures)}\n{replicas.Logs()}");
        Assert.All(failures, f =>
        {
            Assert.True(f.PhaseAtStart <= 2 && f.PhaseAtEnd >= 1, $"failed outside the kill window: {f}");
            Assert.Equal(StatusCode.Unavailable, f.Status);
            Assert.Equal(("iris", "2", RouterConfigFile.Experiment, "treatment"), (f.Tags.ModelName, f.Tags.ModelVersion, f.Tags.Experiment, f.Tags.ExperimentGroup));
        });
        var succeeded = records.Where(r => r.Ok).ToList();
        Assert.All(succeeded, r => Assert.True(r.Truthful && r.Tags.ModelVersion == "2", r.ToString()));
        await AssertSurvivorServedAsync(replicas, records, survivingBefore);
    }

    private static async Task AssertSurvivorServedAsync(ReplicaPair replicas, IReadOnlyList<CallRecord> records, double survivingBefore)
    {
        var afterRemoval = records.Where(r => r.PhaseAtStart == 3).ToList();
        Assert.True(afterRemoval.Count >= CallsPerPhase - Callers, $"only {afterRemoval.Count} calls after the replica was taken out");
        Assert.All(afterRemoval, r => Assert.True(r.Truthful, r.ToString()));
        // Every one of them was answered by the surviving replica (calls in flight at the first count may add to it).
        await Wait.UntilAsync(async () => await replicas.Surviving.InferOkCountAsync() - survivingBefore >= afterRemoval.Count,
            $"the surviving replica to count the {afterRemoval.Count} calls made after the removal");
    }
}
