using Grpc.Core;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.ModelServer.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Requests are admitted against a memory budget of request bytes in flight (--max-in-flight-bytes): beyond it
/// RESOURCE_EXHAUSTED before the message is read, tagged and counted; the budget comes back as calls end.
/// </summary>
public sealed class MemoryBudgetTests
{
    private static ModelInferRequest Rows(int rows, float value = 1f) => new ModelInferRequest { ModelName = "iris" }
        .AddInput<float>("input", Enumerable.Repeat(value, rows * 4).ToArray(), [rows, 4]);

    [Fact]
    public async Task RequestBeyondTheBudgetInFlight_IsResourceExhausted_UntilTheHeldRequestEnds()
    {
        var held = Rows(150);
        var size = held.CalculateSize();
        // Room for one such request, not two.
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with
        {
            MaxInFlightBytes = size * 3 / 2,
            Batching = true,
            MaxBatchSize = 256,
            MaxBatchDelay = TimeSpan.FromMinutes(5),
        });
        var budget = server.Host.App.Services.GetRequiredService<MemoryBudget>();
        var batcher = server.Host.Engine.Batcher!;
        batcher.Pause();

        var first = server.Client.ModelInferAsync(held);
        await Wait.UntilAsync(() => batcher.WaitingRequests == 1, "the first request to wait in its batch");
        Assert.Equal(size, budget.InFlight);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(Rows(150, 2f)));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(
            $"the server's memory budget for requests in flight is taken ({size} of {size * 3 / 2} bytes); the request message of {size} bytes does not fit; retry later",
            error.Status.Detail);
        Assert.Equal("iris", error.Tags.ModelName);
        Assert.Equal("1", error.Tags.ModelVersion);
        // Refused before it was decoded: it never reached the engine.
        Assert.Equal(1, batcher.WaitingRequests);

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(size, metrics.Find("inference_in_flight_bytes", ("model", "iris"), ("version", "1")));
        Assert.Equal(size * 3 / 2, metrics.Find("inference_memory_budget_bytes", ("model", "iris"), ("version", "1")));
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));

        batcher.Resume();
        Assert.Equal(150, (await first).Message.GetOutput<long>("label").Data.Length);
        await Wait.UntilAsync(() => budget.InFlight == 0, "the budget to come back");
        Assert.Equal(150, (await server.Client.ModelInferAsync(Rows(150, 3f))).Message.GetOutput<long>("label").Data.Length);
    }

    [Fact]
    public async Task RequestLargerThanTheWholeBudget_IsResourceExhausted_AndSaysSo()
    {
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlightBytes = 1000 });
        var request = Rows(100);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(
            $"the request message of {request.CalculateSize()} bytes is larger than the server's memory budget of 1000 bytes for requests in flight (--max-in-flight-bytes)",
            error.Status.Detail);
        Assert.Equal("iris", error.Tags.ModelName);
        // Smaller requests go on.
        Assert.Single((await server.Client.ModelInferAsync(Rows(1))).Message.GetOutput<long>("label").Data);
    }

    [Fact]
    public async Task CompressedRequest_IsCountedAtItsDecompressedSize()
    {
        // Zeros compress to almost nothing: the compressed message fits the budget, the decompressed one does not.
        var request = Rows(1000, 0f);
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlightBytes = 4096 });

        var error = await Assert.ThrowsAsync<CallFailedException>(
            () => server.Client.ModelInferAsync(request, OipTestClient.With(compression: "gzip")));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("has no room for this request decompressed", error.Status.Detail, StringComparison.Ordinal);
        var budget = server.Host.App.Services.GetRequiredService<MemoryBudget>();
        await Wait.UntilAsync(() => budget.InFlight == 0, "the budget to come back");
        var small = await server.Client.ModelInferAsync(Rows(2, 0f), OipTestClient.With(compression: "gzip"));
        Assert.Equal(2, small.Message.GetOutput<long>("label").Data.Length);
    }

    [Fact]
    public async Task EveryCallGivesItsShareBack_WhateverItsOutcome()
    {
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)));
        var budget = server.Host.App.Services.GetRequiredService<MemoryBudget>();

        await server.Client.ModelInferAsync(Rows(3));
        await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "other" }));
        await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(
            new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [1f, 2f], [1, 2])));
        await server.Client.ModelMetadataAsync("iris");
        using (var raw = new RawGrpcCall(server.Host.GrpcAddress))
        using (var undecodable = await raw.SendAsync([0xff, 0xff, 0xff]))
        {
            Assert.Equal((int)StatusCode.Internal, await RawGrpcCall.StatusOfAsync(undecodable));
        }

        await Wait.UntilAsync(() => budget.InFlight == 0, "every call's share to come back");
    }
}
