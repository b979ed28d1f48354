using System.Text.Json;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Routing;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;
using Xunit.Abstractions;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// The guard end to end against fake model servers: a treatment failing with server faults is rolled back within its
/// window, a treatment flooded with the caller's own mistakes is not, a slow treatment trips the latency rule, and the
/// rollback is recorded everywhere it should be.
/// </summary>
public sealed class GuardTests(ITestOutputHelper output) : IrisBackendTests
{
    private const int MinRequests = 40;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string Config(double maxRatio = 1000, decimal treatment = 50) => Configs.WithExperiment(
        Configs.Iris([V1.Url], [V2.Url], 50, treatment),
        $$$"""{"guard": {"windowSeconds": 60, "minRequests": {{{MinRequests}}}, "maxErrorRateIncrease": 0.05, "maxP99LatencyRatio": {{{maxRatio}}} } }""");

    private static byte[] Body(int i) => GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", Id = $"call-{i}" });

    private static RollbackRecord? Rollback(TestRouter router) =>
        ((RouterState)router.Host.Services.GetService(typeof(RouterState))!).Current!.Models["iris"].Experiment.Rollback;

    private static JsonElement Experiment(JsonElement models) => models.GetProperty("models").GetProperty("iris").GetProperty("experiment");

    [Theory]
    [InlineData(13)] // INTERNAL
    [InlineData(14)] // UNAVAILABLE
    public async Task FailingTreatment_IsRolledBack_AfterABoundedNumberOfFailedCalls(int status)
    {
        using var scratch = new TempDirectory("router");
        var stateFile = Path.Combine(scratch.Path, "state.json");
        V2.FailWith = status;
        await using var router = await TestRouter.StartAsync(Config(), stateFile: stateFile);

        // Random assignment at 50/50, one call at a time, until the guard has rolled back.
        var failed = 0;
        var calls = 0;
        while (Rollback(router) is null)
        {
            Assert.True(calls < 2000, $"no rollback after {calls} calls ({failed} failed)");
            var result = await Client.CallRawAsync(router.GrpcUrl, Infer, Body(calls++));
            if (result.Status != 0)
            {
                Assert.Equal(status, result.Status);
                Assert.Equal("treatment", result.Header(InferenceHeaders.ExperimentGroup));
                failed++;
            }
        }

        output.WriteLine($"{failed} calls failed before the rollback ({calls} calls in all)");
        // The window trips on exactly the call that makes minRequests failed treatment calls (control has no fault)...
        Assert.Contains($"server-fault rate 1 ({MinRequests} of {MinRequests} calls)", Rollback(router)!.Reason, StringComparison.Ordinal);
        // ...and the rollback is published off the call path right after it, so a few more calls may still reach
        // treatment meanwhile (a handful here; the margin leaves room for a starved machine).
        Assert.InRange(failed, MinRequests, 4 * MinRequests);

        // Every call now goes to control and succeeds.
        for (var i = 0; i < 100; i++)
        {
            var result = await Client.CallRawAsync(router.GrpcUrl, Infer, Body(10_000 + i));
            Assert.Equal(0, result.Status);
            Assert.Equal("control", result.Header(InferenceHeaders.ExperimentGroup));
        }

        // Recorded in the admin API, the state file, the audit log and the metric.
        var experiment = Experiment(await router.GetModelsAsync());
        Assert.Equal(0m, experiment.GetProperty("weights").GetProperty("treatment").GetDecimal());
        var rollback = experiment.GetProperty("rollback");
        Assert.Equal("guard", rollback.GetProperty("by").GetString());
        Assert.Contains("group 'treatment' server-fault rate 1 (", rollback.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow - rollback.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        Assert.False(experiment.GetProperty("guard").GetProperty("judging").GetBoolean());
        using (var state = JsonDocument.Parse(await File.ReadAllTextAsync(stateFile)))
        {
            var saved = state.RootElement.GetProperty("models").GetProperty("iris");
            Assert.Equal("guard", saved.GetProperty("rollback").GetProperty("by").GetString());
            Assert.Equal(rollback.GetProperty("reason").GetString(), saved.GetProperty("rollback").GetProperty("reason").GetString());
            Assert.Equal("guard", saved.GetProperty("changedBy").GetString());
        }

        var audit = await router.Logs.WaitForAsync(Patience, "audit: who=guard action=rollback model=iris experiment=iris-v2-rollout reason=group 'treatment' server-fault rate");
        Assert.Contains("revision=", audit, StringComparison.Ordinal);
        Assert.Equal(1, await router.MetricAsync("router_guard_rollbacks_total{model=\"iris\",experiment=\"iris-v2-rollout\"}"));
        Assert.Equal(1, await router.MetricAsync("router_guard_rolled_back{model=\"iris\",experiment=\"iris-v2-rollout\"}"));

        // It stays rolled back until a person sets weights again; then the record is gone and the guard judges afresh.
        var set = await router.PutWeightsAsync("iris", """{"control": 50, "treatment": 50}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, set.StatusCode);
        experiment = Experiment(await router.GetModelsAsync());
        Assert.Equal(JsonValueKind.Null, experiment.GetProperty("rollback").ValueKind);
        Assert.True(experiment.GetProperty("guard").GetProperty("judging").GetBoolean());
        Assert.DoesNotContain("rollback", await File.ReadAllTextAsync(stateFile), StringComparison.Ordinal);
        Assert.Equal(0, await router.MetricAsync("router_guard_rolled_back{model=\"iris\",experiment=\"iris-v2-rollout\"}"));
    }

    [Fact]
    public async Task FloodOfCallerMistakes_OnTreatment_DoesNotTrip()
    {
        V2.FailWith = 3; // INVALID_ARGUMENT
        await using var router = await TestRouter.StartAsync(Config());

        var invalid = 0;
        for (var i = 0; i < 400; i++)
        {
            var result = await Client.CallRawAsync(router.GrpcUrl, Infer, Body(i));
            invalid += result.Status == 3 ? 1 : 0;
        }

        // NOT_FOUND from the caller's own pinned mistakes never reaches a group's window either.
        var pinned = await Client.CallRawAsync(router.GrpcUrl, Infer, GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", ModelVersion = "9" }));
        Assert.Equal(5, pinned.Status);

        Assert.True(invalid >= MinRequests * 2, $"only {invalid} calls reached treatment");
        Assert.Null(Rollback(router));
        var window = Experiment(await router.GetModelsAsync()).GetProperty("guard").GetProperty("window");
        Assert.Equal(invalid, window.GetProperty("treatment").GetProperty("calls").GetInt64());
        Assert.Equal(0, window.GetProperty("treatment").GetProperty("faults").GetInt64());
        Assert.Equal(400 - invalid, window.GetProperty("control").GetProperty("calls").GetInt64());
        Assert.Null(await router.MetricAsync("router_guard_rollbacks_total{model=\"iris\",experiment=\"iris-v2-rollout\"}"));
    }

    [Fact]
    public async Task SlowTreatment_TripsTheLatencyRule()
    {
        // A second per call against a fake that answers at once: far beyond 4x whatever this machine's noise does.
        V2.ResponseDelay = TimeSpan.FromSeconds(1);
        await using var router = await TestRouter.StartAsync(Config(maxRatio: 4));

        var calls = 0;
        while (Rollback(router) is null)
        {
            Assert.True(calls < 2000, $"no rollback after {calls} calls");
            // Batches of 20 at once, so the slow calls overlap.
            await Task.WhenAll(Enumerable.Range(calls, 20).Select(i => Client.CallRawAsync(router.GrpcUrl, Infer, Body(i))));
            calls += 20;
        }

        var rollback = Rollback(router)!;
        output.WriteLine(rollback.Reason);
        Assert.Equal("guard", rollback.By);
        Assert.Contains("group 'treatment' p99 latency", rollback.Reason, StringComparison.Ordinal);
        Assert.Contains("more than 4 x control's", rollback.Reason, StringComparison.Ordinal);
        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, Body(-1));
        Assert.Equal("control", result.Header(InferenceHeaders.ExperimentGroup));
    }

    [Fact]
    public async Task AdminRollback_IsRecordedWithWhoAndTheAdminReason()
    {
        await using var router = await TestRouter.StartAsync(Config());
        Assert.Equal(JsonValueKind.Null, Experiment(await router.GetModelsAsync()).GetProperty("rollback").ValueKind);

        await router.RollbackAsync("iris");

        var rollback = Experiment(await router.GetModelsAsync()).GetProperty("rollback");
        Assert.Equal(RollbackRecord.AdminReason, rollback.GetProperty("reason").GetString());
        Assert.StartsWith("token:", rollback.GetProperty("by").GetString(), StringComparison.Ordinal);
        Assert.Null(await router.MetricAsync("router_guard_rollbacks_total{model=\"iris\",experiment=\"iris-v2-rollout\"}"));
    }
}
