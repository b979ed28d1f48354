using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Dynamic batching. The batcher runs a batch as soon as no other is running, so the tests hold it (as a running
/// batch would) while requests collect, which makes the merged Runs deterministic; the delay is far longer than
/// any test. Every response must equal the unbatched answer byte for byte.
/// </summary>
public sealed class BatchingTests
{
    private static readonly TimeSpan LongDelay = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ConcurrentRequests_AreMergedIntoOneRun_AndAnsweredExactlyAsUnbatched()
    {
        var expected = IrisExpected.Load(2);
        await using var plain = await TestServer.StartAsync(RepoPaths.IrisModel(2), version: "2");
        await using var batching = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(2), version: "2") with
        {
            Batching = true,
            MaxBatchSize = 8,
            MaxBatchDelay = LongDelay,
        });
        Assert.True(batching.Host.Engine.IsBatching);
        var batcher = batching.Host.Engine.Batcher!;
        batcher.Pause();

        // 8 rows in 5 requests of different sizes, encodings and output choices.
        int[] rows = [1, 2, 1, 3, 1];
        var requests = new List<ModelInferRequest>();
        var offset = 0;
        for (var r = 0; r < rows.Length; r++)
        {
            var request = new ModelInferRequest { ModelName = "iris", Id = $"r{r}" }
                .AddInput<float>("input", expected.Inputs.AsSpan(offset * 4, rows[r] * 4), [rows[r], 4], r % 2 == 0 ? TensorEncoding.Raw : TensorEncoding.Typed);
            if (r == 1)
            {
                request.RequestTypedOutputs();
            }

            if (r == 3)
            {
                request.RequestOutputs("label");
            }

            requests.Add(request);
            offset += rows[r];
        }

        var pending = requests.Select(r => batching.Client.ModelInferAsync(r)).ToArray();
        await Wait.UntilAsync(() => batcher.WaitingRequests == rows.Length, "every request to wait in the batcher");
        batcher.Resume();
        var batched = await Task.WhenAll(pending);
        var alone = await Task.WhenAll(requests.Select(r => plain.Client.ModelInferAsync(r)));

        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal($"r{r}", batched[r].Message.Id);
            Assert.Equal(("iris", "2"), (batched[r].Message.ModelName, batched[r].Message.ModelVersion));
            Assert.Equal(alone[r].Message, batched[r].Message);
        }

        Assert.Equal(["label"], batched[3].Message.Outputs.Select(o => o.Name));
        Assert.Empty(batched[1].Message.RawOutputContents);
        var labels = batched.SelectMany(b => b.Message.GetOutput<long>("label").Data).ToArray();
        Assert.Equal(expected.Labels.Take(8), labels);

        var metrics = new PrometheusScrape(await batching.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_compute_duration_seconds_count", ("model", "iris")));
        Assert.Equal(5, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")));
        Assert.Equal(8, metrics.Find("inference_output_value_count", ("output", "label")));
    }

    [Fact]
    public async Task BatchSizeAndQueueTime_AreMeasuredPerRunAndPerRequest()
    {
        // The clock moves only when the test advances it, so the time each request waited is known exactly.
        var time = new ManualTimeProvider();
        var options = TestServer.Options(RepoPaths.IrisModel(1)) with { Batching = true, MaxBatchSize = 8, MaxBatchDelay = LongDelay };
        await using var server = await TestServer.StartAsync(options, time: time);
        var batcher = server.Host.Engine.Batcher!;
        batcher.Pause();

        var pending = Enumerable.Range(0, 3)
            .Select(_ => server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4])))
            .ToArray();
        await Wait.UntilAsync(() => batcher.WaitingRequests == 3, "every request to wait in the batcher");
        time.Advance(TimeSpan.FromSeconds(2));
        batcher.Resume();
        await Task.WhenAll(pending);
        await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]));

        // Two Runs: the three held requests merged, then the lone one.
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        (string, string)[] model = [("model", "iris"), ("version", "1")];
        Assert.Equal(2, metrics.Find("inference_batch_size_count", model));
        Assert.Equal(4, metrics.Find("inference_batch_size_sum", model));
        Assert.Equal(1, metrics.Find("inference_batch_size_bucket", [.. model, ("le", "2")]));
        Assert.Equal(2, metrics.Find("inference_batch_size_bucket", [.. model, ("le", "4")]));

        // Each held request waited the 2 s the test let pass; the lone one none.
        Assert.Equal(4, metrics.Find("inference_queue_duration_seconds_count", model));
        Assert.Equal(6, metrics.Find("inference_queue_duration_seconds_sum", model));
        Assert.Equal(1, metrics.Find("inference_queue_duration_seconds_bucket", [.. model, ("le", "1E-05")]));
        Assert.Equal(4, metrics.Find("inference_queue_duration_seconds_bucket", [.. model, ("le", "2.5")]));
    }

    [Fact]
    public async Task StringRequests_AreMergedAndSplitBack()
    {
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Fixture("identity_string.onnx"), "fixture") with
        {
            Batching = true,
            MaxBatchSize = 4,
            MaxBatchDelay = LongDelay,
        });
        string[][] values = [["a", "", "ccc"], ["dd", "e", "ff"], ["g", "h", "i", "j", "k", "l"]];
        long[] rows = [1, 1, 2];
        var batcher = server.Host.Engine.Batcher!;
        batcher.Pause();

        var pending = values.Select((v, i) =>
            server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }.AddInput("x", v, [rows[i], 3], i == 1 ? TensorEncoding.Typed : TensorEncoding.Raw))).ToArray();
        await Wait.UntilAsync(() => batcher.WaitingRequests == values.Length, "every request to wait in the batcher");
        batcher.Resume();
        var responses = await Task.WhenAll(pending);

        for (var i = 0; i < values.Length; i++)
        {
            var output = responses[i].Message.GetStringOutput("y");
            Assert.Equal([rows[i], 3L], output.Shape);
            Assert.Equal(values[i], output.Data);
        }

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_compute_duration_seconds_count", ("model", "fixture")));
    }

    [Fact]
    public async Task IncompatibleShapes_RunInSeparateBatches_AndDrainRunsWhatIsLeft()
    {
        var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Fixture("add_two.onnx"), "fixture") with
        {
            Batching = true,
            MaxBatchSize = 3,
            MaxBatchDelay = LongDelay,
        });
        await using (server)
        {
            var batcher = server.Host.Engine.Batcher!;
            batcher.Pause();
            var wide = Send(server, 1, 5, 10f);
            var first = Send(server, 2, 3, 1f);
            var second = Send(server, 1, 3, 2f);
            await Wait.UntilAsync(() => batcher.WaitingRequests == 3, "every request to wait in the batcher");

            // The two [*, 3] requests fill a batch of 3 rows; the [1, 5] one runs in a batch of its own.
            batcher.Resume();
            var answered = await Task.WhenAll(first, second, wide);
            Assert.Equal(Enumerable.Repeat(2f, 6), answered[0].Message.GetOutput<float>("sum").Data);
            Assert.Equal(Enumerable.Repeat(4f, 3), answered[1].Message.GetOutput<float>("sum").Data);
            Assert.Equal([1L, 5L], answered[2].Message.GetOutput<float>("sum").Shape);
            Assert.Equal(Enumerable.Repeat(20f, 5), answered[2].Message.GetOutput<float>("sum").Data);
            var metrics = new PrometheusScrape(await server.GetMetricsAsync());
            Assert.Equal(2, metrics.Find("inference_compute_duration_seconds_count", ("model", "fixture")));

            // Draining starts what waits: a held request runs and is answered before the server stops.
            batcher.Pause();
            var last = Send(server, 1, 5, 3f);
            await Wait.UntilAsync(() => batcher.WaitingRequests == 1, "the request to wait in the batcher");
            Assert.False(last.IsCompleted);
            await server.Host.StopAsync();
            Assert.Equal(Enumerable.Repeat(6f, 5), (await last).Message.GetOutput<float>("sum").Data);
        }

        static Task<OipTestClient.Answer<ModelInferResponse>> Send(TestServer server, int rows, int columns, float value)
        {
            var data = Enumerable.Repeat(value, rows * columns).ToArray();
            return server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }
                .AddInput<float>("a", data, [rows, columns])
                .AddInput<float>("b", data, [rows, columns]));
        }
    }

    [Fact]
    public async Task ALoneRequest_RunsAtOnce_WithoutWaitingForTheDelay()
    {
        // The delay outlasts the test: only eager dispatch can answer.
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with
        {
            Batching = true,
            MaxBatchSize = 8,
            MaxBatchDelay = LongDelay,
        });

        for (var i = 0; i < 3; i++)
        {
            var response = await server.Client.ModelInferAsync(
                new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4])).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
        }

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(3, metrics.Find("inference_compute_duration_seconds_count", ("model", "iris")));
    }

    [Fact]
    public async Task MaxInFlight_BelowTheBatchSize_IsRaisedToIt()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(
            TestServer.Options(RepoPaths.IrisModel(1)) with { Batching = true, MaxBatchSize = 16, MaxInFlight = 3 }, logs);

        Assert.Equal(16, server.Host.Engine.Admission.Limit);
        Assert.Contains(logs.Entries, e => e.Message.Contains("--max-in-flight 3 raised to --max-batch-size 16", StringComparison.Ordinal));
    }
}
