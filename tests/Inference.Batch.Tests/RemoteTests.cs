using Grpc.Core;
using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>Remote scoring: retries of UNAVAILABLE only, and the version pinned through the router.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class RemoteTests(IrisServer iris)
{
    [Fact]
    public async Task Unavailable_IsRetried_UntilTheCallSucceeds()
    {
        using var directory = new TempDirectory("batch-remote");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 100);
        await using var proxy = await ScriptedInferenceServer.StartAsync(iris.Target);
        proxy.BeforeInfer = n => n <= 3 ? throw new RpcException(new Status(StatusCode.Unavailable, "restarting")) : Task.CompletedTask;

        var output = directory.File("out.csv");
        await BatchRun.SucceedAsync(BatchRun.Iris(proxy.Target, input, output, "--batch-size", "100", "--retries", "4"));

        Assert.Equal(4, proxy.InferCalls);
        Assert.Equal(100, OutputFiles.CsvRaw(output).Count);
    }

    [Fact]
    public async Task Unavailable_BeyondTheRetries_FailsTheJobNamingTheStatus()
    {
        using var directory = new TempDirectory("batch-remote");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 10);
        await using var proxy = await ScriptedInferenceServer.StartAsync(iris.Target);
        proxy.BeforeInfer = _ => throw new RpcException(new Status(StatusCode.Unavailable, "gone"));

        var result = await BatchRun.RunAsync(BatchRun.Iris(proxy.Target, input, directory.File("out.csv"), "--retries", "3"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ModelInfer failed after 3 tries: Unavailable gone", result.Stderr);
        Assert.Equal(3, proxy.InferCalls);
    }

    [Theory]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public async Task OtherFailures_AreNotRetried(StatusCode status)
    {
        using var directory = new TempDirectory("batch-remote");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 10);
        await using var proxy = await ScriptedInferenceServer.StartAsync(iris.Target);
        proxy.BeforeInfer = _ => throw new RpcException(new Status(status, "no"));

        var result = await BatchRun.RunAsync(BatchRun.Iris(proxy.Target, input, directory.File("out.csv"), "--retries", "5"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"ModelInfer failed: {status} no", result.Stderr);
        Assert.Equal(1, proxy.InferCalls);
    }

    [Fact]
    public async Task ThroughTheRouter_EveryCallIsPinnedToTheVersion_BypassingTheExperiment()
    {
        using var directory = new TempDirectory("batch-remote");
        await using var v2 = await ModelServerProcess.StartAsync(RepoPaths.IrisModel(2), "iris", "2");
        // The experiment sends everything to version 1; the job asks for version 2.
        await using var router = await RouterProcess.StartAsync(RouterConfig(iris.Server.GrpcAddress, v2.GrpcAddress));
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 300);
        var viaRouter = directory.File("router.csv");
        var direct = directory.File("direct.csv");

        var result = await BatchRun.SucceedAsync(
            "--input", input, "--output", viaRouter, "--address", router.Target, "--name", "iris", "--version", "2",
            "--map", "input=sepal_length..petal_width", "--batch-size", "32");
        await BatchRun.SucceedAsync(
            "--input", input, "--output", direct, "--address", v2.Target, "--name", "iris",
            "--map", "input=sepal_length..petal_width", "--batch-size", "32");

        Assert.DoesNotContain("note:", result.Stderr);
        var rows = OutputFiles.CsvRaw(viaRouter);
        Assert.All(rows, r => Assert.Equal("2", r["model_version"]));
        Assert.Equal(File.ReadAllLines(direct), File.ReadAllLines(viaRouter));
        var served = (await v2.ScrapeAsync()).Sum("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK"));
        Assert.Equal(2 * 10, served);
    }

    [Fact]
    public async Task ThroughTheRouter_WithoutVersion_PinsTheVersionThatAnswersAndSaysSo()
    {
        using var directory = new TempDirectory("batch-remote");
        await using var v2 = await ModelServerProcess.StartAsync(RepoPaths.IrisModel(2), "iris", "2");
        await using var router = await RouterProcess.StartAsync(RouterConfig(iris.Server.GrpcAddress, v2.GrpcAddress));
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 50);
        var output = directory.File("out.jsonl");

        var result = await BatchRun.SucceedAsync(
            "--input", input, "--output", output, "--address", router.Target, "--name", "iris", "--map", "input=sepal_length..petal_width");

        Assert.Contains("note: no --version given: every call is pinned to version 1 of 'iris'", result.Stderr);
        Assert.All(OutputFiles.JsonLines(output), r => Assert.Equal("1", r.GetProperty("model_version").GetString()));
    }

    private static string RouterConfig(Uri v1, Uri v2) => $$"""
        {
          "models": {
            "iris": {
              "versions": {
                "1": { "endpoints": ["http://{{v1.Host}}:{{v1.Port}}"] },
                "2": { "endpoints": ["http://{{v2.Host}}:{{v2.Port}}"] }
              },
              "experiment": {
                "name": "iris-v2-rollout", "stickyHeader": "x-user-id", "allowOverride": true, "control": "control",
                "groups": [ { "name": "control", "version": "1", "weight": 100 }, { "name": "treatment", "version": "2", "weight": 0 } ]
              }
            }
          }
        }
        """;
}
