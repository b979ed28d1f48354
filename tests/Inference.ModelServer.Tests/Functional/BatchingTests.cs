using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Dynamic batching: a batch runs only when full (the delay is far longer than any test), so the merged Runs are
/// deterministic; every response must equal the unbatched answer byte for byte.
/// </summary>
public sealed class BatchingTests
{
    private static readonly TimeSpan LongDelay = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task ConcurrentRequests_AreMergedIntoOneRun_AndAnsweredExactlyAsUnbatched()
    {
        var expected = IrisExpected.Load(2);
        await using var plain = await TestServer.StartAsync(RepoPaths.Iris(2), version: "2");
        await using var batching = await TestServer.StartAsync(TestServer.Options(RepoPaths.Iris(2), version: "2") with
        {
            Batching = true,
            MaxBatchSize = 8,
            MaxBatchDelay = LongDelay,
        });
        Assert.True(batching.Host.Engine.IsBatching);

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

        var batched = await Task.WhenAll(requests.Select(r => batching.Client.ModelInferAsync(r)));
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

        var responses = await Task.WhenAll(values.Select((v, i) =>
            server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }.AddInput("x", v, [rows[i], 3], i == 1 ? TensorEncoding.Typed : TensorEncoding.Raw))));

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
            var wide = Send(server, 1, 5, 10f);
            var first = Send(server, 2, 3, 1f);
            var second = Send(server, 1, 3, 2f);

            // The two [*, 3] requests fill a batch of 3 rows; the [1, 5] one waits for a partner.
            var answered = await Task.WhenAll(first, second);
            Assert.Equal(Enumerable.Repeat(2f, 6), answered[0].Message.GetOutput<float>("sum").Data);
            Assert.Equal(Enumerable.Repeat(4f, 3), answered[1].Message.GetOutput<float>("sum").Data);
            Assert.False(wide.IsCompleted);

            // Draining stops the wait: the lone request runs and is answered before the server stops.
            await server.Host.StopAsync();
            var last = await wide;
            Assert.Equal([1L, 5L], last.Message.GetOutput<float>("sum").Shape);
            Assert.Equal(Enumerable.Repeat(20f, 5), last.Message.GetOutput<float>("sum").Data);
        }

        static Task<InferenceResponse<ModelInferResponse>> Send(TestServer server, int rows, int columns, float value)
        {
            var data = Enumerable.Repeat(value, rows * columns).ToArray();
            return server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }
                .AddInput<float>("a", data, [rows, columns])
                .AddInput<float>("b", data, [rows, columns]));
        }
    }
}
