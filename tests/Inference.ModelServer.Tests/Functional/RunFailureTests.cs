using Inference.Client;
using Inference.Contracts.Oip;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Failures inside ONNX Runtime's Run. ORT_INVALID_ARGUMENT (the request's values are wrong, e.g. an index out of
/// range: see <see cref="InvalidArgumentTests"/>) is the caller's mistake; every other code is INTERNAL, logged and
/// counted, with ONNX Runtime's own message.
/// </summary>
public sealed class RunFailureTests
{
    [Fact]
    public async Task ModelThatFailsWhileRunning_IsInternal_LoggedAndCounted()
    {
        var logs = new LogCapture();
        // Its warm-up would fail the same way (and stop the server): see WarmUpTests.
        var options = TestServer.Options(RepoPaths.Fixture("broken_reshape.onnx"), "fixture") with { SkipWarmup = true };
        await using var server = await TestServer.StartAsync(options, logs);
        var request = new ModelInferRequest { ModelName = "fixture" }.AddInput<float>("x", [1f, 2f, 3f], [1, 3]);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.StartsWith("model 'fixture' version '1' failed inside ONNX Runtime (error code Fail): ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Reshape", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("cannot be reshaped to the requested shape", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("fixture", "1"), (error.Tags.ModelName, error.Tags.ModelVersion));
        Assert.Contains(logs.Entries, entry =>
            entry.Category == typeof(Inference.Engine.Execution.InferenceEngine).FullName
            && entry.EventId.Id == 12
            && entry.Level == LogLevel.Error
            && entry.Message.Contains("error code Fail", StringComparison.Ordinal)
            && entry.Message.Contains("cannot be reshaped", StringComparison.Ordinal));

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "INTERNAL")));
        Assert.Null(metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "INVALID_ARGUMENT")));
        Assert.True((await server.Client.ServerReadyAsync()).Message.Ready);
    }

    [Fact]
    public async Task OnnxRuntimesMessages_ReachTheLogOfTheServerWhoseModelWroteThem()
    {
        // ONNX Runtime has one logging function per process; two servers in one process (tests, tools) must still
        // each log their own model's messages, whichever of them started last.
        var brokenLogs = new LogCapture();
        var irisLogs = new LogCapture();
        var options = TestServer.Options(RepoPaths.Fixture("broken_reshape.onnx"), "fixture") with { SkipWarmup = true };
        await using var broken = await TestServer.StartAsync(options, brokenLogs);
        await using var iris = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)), irisLogs);
        var request = new ModelInferRequest { ModelName = "fixture" }.AddInput<float>("x", [1f, 2f, 3f], [1, 3]);

        await Assert.ThrowsAsync<CallFailedException>(() => broken.Client.ModelInferAsync(request));

        const string OnnxCategory = "Inference.Engine.OnnxRuntime";
        await Wait.UntilAsync(
            () => brokenLogs.Entries.Any(e => e.Category == OnnxCategory && e.Message.Contains("Reshape", StringComparison.Ordinal)),
            "ONNX Runtime's message in the broken model's server log");
        Assert.DoesNotContain(irisLogs.Entries, e => e.Category == OnnxCategory && e.Message.Contains("Reshape", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OperandsThatDoNotBroadcast_AreInternal_AsOnnxRuntimeReportsAnOperatorsOwnChecks()
    {
        // The declared shapes ([n1,m1] and [n2,m2]) accept both inputs; the Add node refuses them with ORT_FAIL,
        // the code of a failing node whatever the cause, so the server cannot call it the caller's mistake.
        await using var server = await TestServer.StartAsync(RepoPaths.Fixture("add_two.onnx"), "fixture");
        var request = new ModelInferRequest { ModelName = "fixture" }
            .AddInput<float>("a", new float[6], [2, 3])
            .AddInput<float>("b", new float[20], [4, 5]);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("running Add node", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("broadcast", error.Status.Detail, StringComparison.Ordinal);
        var answer = await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }
            .AddInput<float>("a", [1f, 2f], [1, 2])
            .AddInput<float>("b", [10f, 20f], [1, 2]));
        Assert.Equal([11f, 22f], answer.Message.GetOutput<float>("sum").Data);
    }
}
