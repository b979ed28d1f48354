using System.Net;
using Inference.Client;
using Inference.Contracts.Health;
using Inference.Contracts.Oip;
using Inference.Grpc;
using Inference.Grpc.Client;
using ServingStatus = Inference.Contracts.Health.HealthCheckResponse.Types.ServingStatus;

namespace Inference.ModelServer.Tests.Functional;

public sealed class AdmissionAndDrainTests
{
    private static ModelInferRequest OneRow() =>
        new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]);

    [Fact]
    public async Task BeyondMaxInFlight_IsResourceExhausted_AndDrainAnswersTheAdmittedRequest()
    {
        // Two slots: one admitted request waits in a held batch, the other slot is taken directly.
        var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Iris(1)) with
        {
            MaxInFlight = 2,
            QueueTimeout = TimeSpan.Zero,
            Batching = true,
            MaxBatchSize = 2,
            MaxBatchDelay = TimeSpan.FromMinutes(5),
        });
        await using (server)
        {
            var engine = server.Host.Engine;
            engine.Batcher!.Pause();
            var admitted = server.Client.ModelInferAsync(OneRow());
            await Wait.UntilAsync(() => engine.InFlight == 1, "the first request to be admitted");
            Assert.True(engine.Admission.TryEnter());
            try
            {
                var error = await Assert.ThrowsAsync<GrpcException>(() => server.Client.ModelInferAsync(OneRow()));
                Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
                Assert.Contains("limit of 2 concurrent inferences", error.Detail, StringComparison.Ordinal);
                Assert.Equal("iris", ResponseTags.From(error).ModelName);
                Assert.False(admitted.IsCompleted);

                var metrics = new PrometheusScrape(await server.GetMetricsAsync());
                Assert.Equal(1, metrics.Find("inference_in_flight", ("model", "iris"), ("version", "1")));
                Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
            }
            finally
            {
                engine.Admission.Exit();
            }

            await server.Host.StopAsync();
            var response = await admitted;
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
            Assert.Equal(0, server.Host.Engine.InFlight);
        }
    }

    [Fact]
    public async Task WithinQueueTimeout_WaitsForASlot()
    {
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Iris(1)) with
        {
            MaxInFlight = 1,
            QueueTimeout = TimeSpan.FromMinutes(5),
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => server.Client.ModelInferAsync(OneRow())));

        Assert.All(responses, r => Assert.Equal([0L], r.Message.GetOutput<long>("label").Data));
    }

    [Fact]
    public async Task Draining_ReportsNotReadyAtOnce_WhileStillServing()
    {
        var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Iris(1)) with { DrainDelay = TimeSpan.FromMinutes(5) });
        await using (server)
        {
            var health = new HealthClient(server.Channel);
            using var watch = health.Watch(new HealthCheckRequest { Service = "iris" });
            Assert.True(await watch.ResponseStream.MoveNextAsync());
            Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);

            using var stop = new CancellationTokenSource();
            var stopping = server.Host.StopAsync(stop.Token);
            await Wait.UntilAsync(() => server.Host.State.IsDraining, "draining to start");

            using var readyz = await server.Http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
            Assert.Contains("\"status\":\"draining\"", await readyz.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
            Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
            Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "inference.GRPCInferenceService" })).Status);
            Assert.False((await server.Client.ServerReadyAsync()).Message.Ready);
            Assert.False((await server.Client.ModelReadyAsync("iris")).Message.Ready);
            Assert.True(await watch.ResponseStream.MoveNextAsync());
            Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);

            // Not ready, but still answering during the drain delay.
            var response = await server.Client.ModelInferAsync(OneRow());
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);

            await stop.CancelAsync();
            await stopping;
        }
    }
}
