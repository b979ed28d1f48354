using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The only replica of a treatment version down: its callers are served by control (fallbackToControl), or fail as configured.</summary>
public sealed class TreatmentOutageTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static ModelInferRequest Request() => new() { ModelName = "iris", Id = "req" };

    [Fact]
    public async Task TreatmentFailingItsHealthChecks_CallersAreServedByControl_TaggedAsFallback_AndCounted()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100));
        V2.Serving = false;
        await router.Logs.WaitForAsync(Patience, V2.Url, "is now unhealthy");

        for (var i = 0; i < 5; i++)
        {
            var result = await Client.CallAsync(router.GrpcUrl, Infer, Request(), [new("x-user-id", $"user-{i}")]);
            Assert.Equal((0, "1", "control", "treatment"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup), result.Header(InferenceHeaders.ExperimentFallback)));
        }

        Assert.Equal(0, V2.Requests);
        Assert.Equal(5, V1.Requests);
        Assert.Equal(5, await router.MetricAsync("router_fallbacks_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"treatment\"}"));
        // The calls count for the group that served them, never for the one they were assigned to.
        Assert.Equal(5, await router.MetricAsync("router_requests_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"control\",version=\"1\",grpc_code=\"OK\"}"));
        Assert.Null(await router.MetricAsync("router_requests_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"treatment\",version=\"2\",grpc_code=\"OK\"}"));

        V2.Serving = true;
        await router.Logs.WaitForAsync(Patience, V2.Url, "is now healthy");
        var back = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal((0, "2", "treatment", ""), (back.Status, back.Header(InferenceHeaders.ModelVersion), back.Header(InferenceHeaders.ExperimentGroup), back.Header(InferenceHeaders.ExperimentFallback)));
    }

    [Fact]
    public async Task TreatmentReplicaGone_BeforeHealthChecksNotice_TheCallIsServedByControl()
    {
        // No health checks: only the failed connection says the replica is gone.
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [$"http://127.0.0.1:{ClosedPort.Number()}"], 0, 100, extra: """{"healthCheckIntervalSeconds": 0}"""));

        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());

        Assert.Equal((0, "1", "control", "treatment"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup), result.Header(InferenceHeaders.ExperimentFallback)));
        Assert.Equal(1, await router.MetricAsync("router_fallbacks_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"treatment\"}"));
    }

    [Fact]
    public async Task FallbackToControlOff_CallersGetUnavailable_AsAssigned()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100, fallbackToControl: false));
        V2.Serving = false;
        await router.Logs.WaitForAsync(Patience, V2.Url, "is now unhealthy");

        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());

        Assert.Equal((14, "2", "treatment", ""), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup), result.Header(InferenceHeaders.ExperimentFallback)));
        Assert.Contains("no healthy endpoint for model 'iris' version '2'", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, V1.Requests);
        Assert.False((await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("fallbackToControl").GetBoolean());
    }

    [Fact]
    public async Task PinnedVersionDown_NeverFallsBack()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        V2.Serving = false;
        await router.Logs.WaitForAsync(Patience, V2.Url, "is now unhealthy");

        var result = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris", ModelVersion = "2" });

        Assert.Equal((14, "pinned", ""), (result.Status, result.Header(InferenceHeaders.ExperimentGroup), result.Header(InferenceHeaders.ExperimentFallback)));
    }
}
