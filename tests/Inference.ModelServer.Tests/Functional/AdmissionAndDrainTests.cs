using System.Net;
using Inference.Client;
using Grpc.Health.V1;
using Inference.Contracts.Oip;
using Grpc.Core;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Inference.ModelServer.Tests.Functional;

public sealed class AdmissionAndDrainTests
{
    private static ModelInferRequest OneRow() =>
        new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]);

    [Fact]
    public async Task BeyondMaxInFlight_IsResourceExhausted_AndDrainAnswersTheAdmittedRequest()
    {
        // Two slots: one admitted request waits in a held batch, the other slot is taken directly.
        var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with
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
                var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(OneRow()));
                Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
                Assert.Contains("limit of 2 concurrent inferences", error.Status.Detail, StringComparison.Ordinal);
                Assert.Equal("iris", error.Tags.ModelName);
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
        var time = new ManualTimeProvider();
        var server = await StartWithOneSlotAsync(time);
        await using (server)
        {
            var admission = server.Host.Engine.Admission;
            Task<OipTestClient.Answer<ModelInferResponse>> waiting;
            try
            {
                waiting = await WaitForTheSlotAsync(server);

                // Most of the queue timeout passes: the request still waits (without a limit it would be answered).
                time.Advance(TimeSpan.FromSeconds(9));
                Assert.Equal(1, admission.Waiting);
                Assert.False(waiting.IsCompleted);
            }
            finally
            {
                admission.Exit();
            }

            var response = await waiting;
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
            Assert.Equal(0, admission.Waiting);

            // Its 9 s of waiting are its queue time.
            var metrics = new PrometheusScrape(await server.GetMetricsAsync());
            Assert.Equal(1, metrics.Find("inference_queue_duration_seconds_count", ("model", "iris"), ("version", "1")));
            Assert.Equal(9, metrics.Find("inference_queue_duration_seconds_sum", ("model", "iris"), ("version", "1")));
            Assert.Equal(0, metrics.Find("inference_queue_duration_seconds_bucket", ("model", "iris"), ("le", "5")));
            Assert.Equal(1, metrics.Find("inference_queue_duration_seconds_bucket", ("model", "iris"), ("le", "10")));
        }
    }

    [Fact]
    public async Task BeyondQueueTimeout_IsResourceExhausted_AfterWaiting()
    {
        var time = new ManualTimeProvider();
        var server = await StartWithOneSlotAsync(time);
        await using (server)
        {
            var admission = server.Host.Engine.Admission;
            try
            {
                var waiting = await WaitForTheSlotAsync(server);

                time.Advance(TimeSpan.FromSeconds(10));

                var error = await Assert.ThrowsAsync<CallFailedException>(() => waiting);
                Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
                Assert.Contains("model 'iris' is at its limit of 1 concurrent inferences; retry later", error.Status.Detail, StringComparison.Ordinal);
                Assert.Equal(("iris", "1"), (error.Tags.ModelName, error.Tags.ModelVersion));
                Assert.Equal(0, admission.Waiting);
            }
            finally
            {
                admission.Exit();
            }

            // The slot that timed out was never taken: the next request is admitted at once.
            var response = await server.Client.ModelInferAsync(OneRow());
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
            Assert.Equal(0, server.Host.Engine.InFlight);
            var metrics = new PrometheusScrape(await server.GetMetricsAsync());
            Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
            Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")));
        }
    }

    [Fact]
    public async Task OversizedRequestMessage_IsResourceExhausted_AndTheServerGoesOn()
    {
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxReceiveMessageSize = 1024 });
        var rows = 100;
        var big = new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", new float[rows * 4], [rows, 4]);
        Assert.True(big.CalculateSize() > 1024);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(big));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Received message exceeds the maximum configured message size", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("iris", error.Tags.ModelName);
        var response = await server.Client.ModelInferAsync(OneRow());
        Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
    }

    [Fact]
    public async Task Draining_ReportsNotReadyAtOnce_WhileStillServing()
    {
        var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { DrainDelay = TimeSpan.FromMinutes(5) });
        await using (server)
        {
            var health = new Grpc.Health.V1.Health.HealthClient(server.Channel);
            using var watch = health.Watch(new HealthCheckRequest { Service = "iris" });
            Assert.True(await watch.ResponseStream.MoveNext());
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
            Assert.True(await watch.ResponseStream.MoveNext());
            Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);

            // Not ready, but still answering during the drain delay.
            var response = await server.Client.ModelInferAsync(OneRow());
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);

            await stop.CancelAsync();
            await stopping;
        }
    }

    /// <summary>
    /// An iris server with one admission slot and a 10 s queue timeout, on a clock the test moves: the wait is
    /// observed, never timed.
    /// </summary>
    private static Task<TestServer> StartWithOneSlotAsync(ManualTimeProvider time) =>
        TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlight = 1, QueueTimeout = TimeSpan.FromSeconds(10) }, time: time);

    /// <summary>Takes the only slot (the caller gives it back) and sends a request, which then waits for it.</summary>
    private static async Task<Task<OipTestClient.Answer<ModelInferResponse>>> WaitForTheSlotAsync(TestServer server)
    {
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter(), "the test takes the only slot");
        var waiting = server.Client.ModelInferAsync(OneRow());
        await Wait.UntilAsync(() => admission.Waiting == 1, "the request to wait for a slot");
        Assert.False(waiting.IsCompleted);
        return waiting;
    }
}
