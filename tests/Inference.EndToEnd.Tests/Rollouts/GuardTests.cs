using System.Text.Json;
using Grpc.Core;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.EndToEnd.Tests.Infrastructure;
using CallFailedException = Inference.Testing.CallFailedException;
using OipTestClient = Inference.Testing.OipTestClient;
using Xunit.Abstractions;

namespace Inference.EndToEnd.Tests.Rollouts;

/// <summary>
/// The guard over real model servers: a treatment whose server is killed is rolled back within the window after a
/// bounded number of failed calls; a flood of the caller's own mistakes on treatment does not trigger it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GuardTests(IrisStack stack, ITestOutputHelper output)
{
    private const int MinRequests = 30;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static async Task<JsonElement> ExperimentAsync(RouterProcess router) =>
        (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment");

    private static async Task<StatusCode> CallAsync(RouterProcess router, ModelInferRequest request, Metadata? headers = null)
    {
        try
        {
            await router.Client.ModelInferAsync(request, OipTestClient.With(headers));
            return StatusCode.OK;
        }
        catch (CallFailedException failed)
        {
            return failed.StatusCode;
        }
    }

    [Fact]
    public async Task KilledTreatment_IsRolledBack_AfterABoundedNumberOfFailedCalls()
    {
        await using var treatment = await IrisServer.StartAsync("2");
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Guard(stack.V1.Endpoint, treatment.Endpoint, MinRequests), RouterLaunch.Default with { StateFile = true });

        // Healthy first: calls to both groups succeed.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(StatusCode.OK, await CallAsync(router, IrisCalls.Request(i % 10, 1)));
        }

        treatment.Process.Signal(Signals.Kill);
        await treatment.Process.WaitForExitAsync(Patience);

        // One call at a time at 50/50 until the guard rolls back: every failure is treatment's UNAVAILABLE.
        var failed = 0;
        var calls = 0;
        while ((await ExperimentAsync(router)).GetProperty("rollback").ValueKind == JsonValueKind.Null)
        {
            Assert.True(calls < 5000, $"no rollback after {calls} calls ({failed} failed)");
            var status = await CallAsync(router, IrisCalls.Request(calls % 10, 1));
            calls++;
            if (status != StatusCode.OK)
            {
                Assert.Equal(StatusCode.Unavailable, status);
                failed++;
            }
        }

        output.WriteLine($"{failed} calls failed between the kill and the rollback ({calls} calls)");
        // The window held 40 healthy calls (about half on treatment): it trips once treatment's faults outweigh them by
        // the allowed increase, and never later than minRequests plus those successes.
        Assert.InRange(failed, 1, MinRequests + 40);

        var experiment = await ExperimentAsync(router);
        var rollback = experiment.GetProperty("rollback");
        Assert.Equal("guard", rollback.GetProperty("by").GetString());
        Assert.Contains("group 'treatment' server-fault rate", rollback.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, experiment.GetProperty("weights").GetProperty("treatment").GetDouble());
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(StatusCode.OK, await CallAsync(router, IrisCalls.Request(i % 10, 1)));
        }

        Assert.Contains("\"by\": \"guard\"", await File.ReadAllTextAsync(router.StateFilePath), StringComparison.Ordinal);
        Assert.Contains("audit: who=guard action=rollback model=iris experiment=iris-v2-rollout reason=group 'treatment'", router.Process.Output, StringComparison.Ordinal);
        Assert.Equal(1, (await router.ScrapeAsync()).Find("router_guard_rollbacks_total", ("model", "iris"), ("experiment", RouterConfigFile.Experiment)));
    }

    [Fact]
    public async Task KilledTreatment_WithFallbackToControl_FailsNoCallAndIsStillRolledBack()
    {
        await using var treatment = await IrisServer.StartAsync("2");
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Guard(stack.V1.Endpoint, treatment.Endpoint, MinRequests, fallbackToControl: true));
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(StatusCode.OK, await CallAsync(router, IrisCalls.Request(i % 10, 1)));
        }

        treatment.Process.Signal(Signals.Kill);
        await treatment.Process.WaitForExitAsync(Patience);

        // Control serves treatment's callers; each such call is an outage of treatment in the guard's window.
        var calls = 0;
        while ((await ExperimentAsync(router)).GetProperty("rollback").ValueKind == JsonValueKind.Null)
        {
            Assert.True(calls < 5000, $"no rollback after {calls} calls");
            Assert.Equal(StatusCode.OK, await CallAsync(router, IrisCalls.Request(calls % 10, 1)));
            calls++;
        }

        output.WriteLine($"rolled back after {calls} calls, none failed");
        var rollback = (await ExperimentAsync(router)).GetProperty("rollback");
        Assert.Equal("guard", rollback.GetProperty("by").GetString());
        Assert.Contains("group 'treatment' server-fault rate", rollback.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var scrape = await router.ScrapeAsync();
        Assert.True(scrape.Sum("router_fallbacks_total", ("group", "treatment")) > 0, "no call fell back to control");
    }

    [Fact]
    public async Task FloodOfInvalidArgument_OnTreatment_DoesNotTrigger()
    {
        await using var router = await RouterProcess.StartAsync(RolloutConfig.Guard(stack.V1.Endpoint, stack.V2.Endpoint, MinRequests));
        var toTreatment = new Metadata { { "x-experiment-group", "treatment" } };
        var bad = new ModelInferRequest { ModelName = "iris" }.AddInput<float>("no-such-input", [1, 2, 3, 4], [1, 4]);

        for (var i = 0; i < MinRequests * 5; i++)
        {
            Assert.Equal(StatusCode.InvalidArgument, await CallAsync(router, bad, toTreatment));
        }

        var experiment = await ExperimentAsync(router);
        Assert.Equal(JsonValueKind.Null, experiment.GetProperty("rollback").ValueKind);
        var window = experiment.GetProperty("guard").GetProperty("window").GetProperty("treatment");
        Assert.Equal(MinRequests * 5, window.GetProperty("calls").GetInt64());
        Assert.Equal(0, window.GetProperty("faults").GetInt64());
        Assert.Equal(50, experiment.GetProperty("weights").GetProperty("treatment").GetDouble());
        Assert.Equal(StatusCode.OK, await CallAsync(router, IrisCalls.Request(0, 1), toTreatment));
    }
}
