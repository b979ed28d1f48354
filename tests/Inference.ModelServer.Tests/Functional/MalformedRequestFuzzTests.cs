using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using InputTensor = Inference.Contracts.Oip.ModelInferRequest.Types.InferInputTensor;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Thousands of seeded random requests, mostly almost right, against real models: whatever a client sends, the
/// answer is OK (with outputs whose sizes agree with their shapes), INVALID_ARGUMENT or NOT_FOUND with a message,
/// or for bytes that are not a ModelInferRequest at all INTERNAL "Failed to deserialize"; never UNKNOWN, never
/// any other INTERNAL, no error in the log, and the server stays ready. Seeds are fixed: a failure names the seed
/// and the request, and reproduces.
/// </summary>
public sealed class MalformedRequestFuzzTests(FixtureServers fixtures, IrisServerFixture iris)
    : IClassFixture<FixtureServers>, IClassFixture<IrisServerFixture>
{
    private const int Requests = 2000;

    // At most the smallest default --max-in-flight (4), so that no request of the shared servers waits for admission.
    private const int Concurrency = 4;
    private const int BatchedConcurrency = 16;

    private static readonly string[] Datatypes =
        ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES", "FLOAT", "", "fp32"];

    private static readonly long[] OddDimensions = [-1, -7, 0, 3, 5, 1 << 20, 1L << 31, 1L << 40, 1L << 62, long.MaxValue, long.MinValue];

    public static TheoryData<string> Models => new() { "iris", "identity_string.onnx", "identity_float16.onnx", "symbolic_dims.onnx", "gather_input.onnx", "identity_int8.onnx", "identity_bool.onnx" };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task RandomRequests_GetOkOrAClientError_NeverAServerError(string model)
    {
        var server = await ServerAsync(model);
        var metadata = (await server.Client.ModelMetadataAsync(server.ModelName)).Message;
        var seed = StableSeed(model);
        var random = new Random(seed);
        var requests = Enumerable.Range(0, Requests).Select(_ => RandomRequest(random, server.ModelName, metadata)).ToArray();

        var outcomes = await SendAllAsync(server, requests);

        for (var i = 0; i < requests.Length; i++)
        {
            var context = $"seed {seed} request {i}: {requests[i]}";
            var (status, detail, response) = outcomes[i];
            Assert.True(status is StatusCode.OK or StatusCode.InvalidArgument or StatusCode.NotFound, $"{context} got {status} '{detail}'");
            if (status == StatusCode.OK)
            {
                AssertConsistent(response!, metadata, context);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(detail), $"{context}: a refusal without a message");
            }
        }

        // The generator must reach past the first checks: some requests are answered, most are refused.
        Assert.Contains(outcomes, o => o.Status == StatusCode.OK);
        Assert.Contains(outcomes, o => o.Status == StatusCode.InvalidArgument);
        Assert.Contains(outcomes, o => o.Status == StatusCode.NotFound);
        await AssertHealthyAsync(server);
    }

    [Theory]
    [InlineData("iris")]
    [InlineData("identity_string.onnx")]
    [InlineData("identity_bool.onnx")]
    [InlineData("gather_input.onnx")]
    public async Task RandomRequests_Batched_AnswerExactlyAsUnbatched(string model)
    {
        // Concurrent random requests through the batcher (merged where their shapes allow, split back per request)
        // must each get what the same request gets from a server without batching: same status and message, or
        // the same response bytes.
        var reference = await ServerAsync(model);
        var options = TestServer.Options(model == "iris" ? RepoPaths.IrisModel(1) : RepoPaths.Fixture(model), reference.ModelName, "1") with
        {
            Batching = true,
            MaxBatchSize = 8,
            MaxBatchDelay = TimeSpan.FromMicroseconds(200),
            MaxInFlight = BatchedConcurrency,
            QueueTimeout = TimeSpan.FromMinutes(1),
        };
        await using var batched = await TestServer.StartAsync(options);
        var metadata = (await reference.Client.ModelMetadataAsync(reference.ModelName)).Message;
        var seed = StableSeed(model + "/batched");
        var random = new Random(seed);
        var requests = Enumerable.Range(0, Requests).Select(_ => RandomRequest(random, reference.ModelName, metadata)).ToArray();

        var expected = await SendAllAsync(reference, requests);
        var actual = await SendAllAsync(batched, requests, BatchedConcurrency);

        for (var i = 0; i < requests.Length; i++)
        {
            var context = $"seed {seed} request {i}: {requests[i]}";
            Assert.True(expected[i].Status == actual[i].Status, $"{context}: {actual[i].Status} '{actual[i].Detail}' batched, {expected[i].Status} '{expected[i].Detail}' alone");
            Assert.Equal(expected[i].Detail, actual[i].Detail);
            Assert.True((expected[i].Response?.ToByteArray() ?? []).AsSpan().SequenceEqual(actual[i].Response?.ToByteArray() ?? []), $"{context}: the batched answer differs");
        }

        Assert.True(actual.Count(o => o.Status == StatusCode.OK) > Requests / 20, "too few requests were answered to exercise the batcher");
        await AssertHealthyAsync(batched);
        var metrics = new PrometheusScrape(await batched.GetMetricsAsync());
        var runs = metrics.Find("inference_batch_size_count", ("model", reference.ModelName));
        var merged = metrics.Find("inference_batch_size_sum", ("model", reference.ModelName));
        Assert.True(merged > runs, $"no Run merged requests ({merged} requests in {runs} runs)");
    }

    [Fact]
    public async Task CorruptedBytes_AreRefusedByWhatTheyAre_AndTheServerStaysHealthy()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)), logs);
        var metadata = (await server.Client.ModelMetadataAsync("iris")).Message;
        const int seed = 20261130;
        var random = new Random(seed);
        using var raw = new RawGrpcCall(server.Host.GrpcAddress);

        var parsed = 0;
        for (var i = 0; i < Requests; i++)
        {
            var bytes = Corrupt(random, RandomRequest(random, "iris", metadata).ToByteArray());
            var parses = TryParse(bytes);
            parsed += parses ? 1 : 0;

            var (status, message) = await CallAsync(raw, bytes);

            var context = $"seed {seed} request {i} ({Convert.ToHexString(bytes)})";
            if (parses)
            {
                Assert.True(status is StatusCode.OK or StatusCode.InvalidArgument or StatusCode.NotFound, $"{context} got {status} '{message}'");
            }
            else
            {
                Assert.True(status == StatusCode.Internal && message == "Failed to deserialize the message.", $"{context} got {status} '{message}'");
            }
        }

        Assert.InRange(parsed, 1, Requests - 1);
        Assert.True((await server.Client.ServerReadyAsync()).Message.Ready);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }

    private async Task<TestServer> ServerAsync(string model) => model == "iris" ? iris.Server : await fixtures.GetAsync(model);

    /// <summary>Sends every request, <paramref name="concurrency"/> at a time (within the server's admission limit).</summary>
    private static async Task<(StatusCode Status, string Detail, ModelInferResponse? Response)[]> SendAllAsync(
        TestServer server, ModelInferRequest[] requests, int concurrency = Concurrency)
    {
        using var slots = new SemaphoreSlim(concurrency);
        return await Task.WhenAll(requests.Select(async request =>
        {
            await slots.WaitAsync();
            try
            {
                return (StatusCode.OK, "", (ModelInferResponse?)(await server.Client.ModelInferAsync(request)).Message);
            }
            catch (CallFailedException ex)
            {
                return (ex.StatusCode, ex.Status.Detail ?? "", null);
            }
            finally
            {
                slots.Release();
            }
        }));
    }

    private static async Task AssertHealthyAsync(TestServer server)
    {
        Assert.True((await server.Client.ServerReadyAsync()).Message.Ready);
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        foreach (var code in new[] { "UNKNOWN", "INTERNAL", "RESOURCE_EXHAUSTED" })
        {
            Assert.Null(metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", code)));
        }
    }

    private static ModelInferRequest RandomRequest(Random random, string modelName, ModelMetadataResponse metadata)
    {
        var request = new ModelInferRequest
        {
            ModelName = Pick(random, 0.97) ? modelName : RandomText(random),
            ModelVersion = random.Next(10) switch { < 6 => "", < 9 => "1", _ => RandomText(random) },
            Id = Pick(random, 0.5) ? "" : RandomText(random),
        };

        var raw = Pick(random, 0.5);
        foreach (var input in metadata.Inputs)
        {
            if (!Pick(random, 0.95))
            {
                continue;
            }

            var copies = Pick(random, 0.97) ? 1 : 2;
            for (var c = 0; c < copies; c++)
            {
                AddInput(random, request, input, raw);
            }
        }

        if (!Pick(random, 0.97))
        {
            var stray = new ModelMetadataResponse.Types.TensorMetadata { Name = RandomText(random), Datatype = "FP32" };
            stray.Shape.Add(1);
            AddInput(random, request, stray, raw);
        }

        if (!Pick(random, 0.97) && request.RawInputContents.Count > 0)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(RandomBytes(random, random.Next(32))));
        }

        if (!Pick(random, 0.8))
        {
            foreach (var output in metadata.Outputs)
            {
                if (Pick(random, 0.7))
                {
                    request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = Pick(random, 0.9) ? output.Name : RandomText(random) });
                }
            }
        }

        if (!Pick(random, 0.8))
        {
            request.Parameters["binary_data_output"] = random.Next(3) switch
            {
                0 => new InferParameter { BoolParam = false },
                1 => new InferParameter { BoolParam = true },
                _ => new InferParameter { StringParam = RandomText(random) },
            };
        }

        return request;
    }

    private static void AddInput(Random random, ModelInferRequest request, ModelMetadataResponse.Types.TensorMetadata input, bool raw)
    {
        var tensor = new InputTensor
        {
            Name = Pick(random, 0.97) ? input.Name : RandomText(random),
            Datatype = Pick(random, 0.92) ? input.Datatype : Datatypes[random.Next(Datatypes.Length)],
        };

        var rank = Pick(random, 0.93) ? input.Shape.Count : random.Next(4);
        for (var d = 0; d < rank; d++)
        {
            var declared = d < input.Shape.Count ? input.Shape[d] : -1;
            tensor.Shape.Add(Pick(random, 0.9)
                ? declared >= 0 ? declared : random.Next(4)
                : OddDimensions[random.Next(OddDimensions.Length)]);
        }

        var count = ElementCount(tensor.Shape);
        var wanted = count is { } exact && Pick(random, 0.8) ? exact : random.Next(12);
        if (raw)
        {
            request.Inputs.Add(tensor);
            request.RawInputContents.Add(ByteString.CopyFrom(RawContents(random, tensor.Datatype, wanted)));
            return;
        }

        tensor.Contents = Pick(random, 0.95) ? TypedContents(random, Pick(random, 0.85) ? tensor.Datatype : Datatypes[random.Next(Datatypes.Length)], wanted) : null;
        request.Inputs.Add(tensor);
    }

    private static byte[] RawContents(Random random, string datatype, int count)
    {
        if (datatype == "BYTES")
        {
            var elements = new List<byte>();
            for (var i = 0; i < count; i++)
            {
                var element = RandomBytes(random, random.Next(6));
                var prefix = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(prefix, Pick(random, 0.95) ? (uint)element.Length : (uint)random.Next());
                elements.AddRange(prefix);
                elements.AddRange(element);
            }

            return [.. elements];
        }

        var size = ElementSize(datatype);
        var bytes = RandomBytes(random, count * size + (Pick(random, 0.95) ? 0 : random.Next(1, 4)));
        if (datatype == "BOOL" && Pick(random, 0.8))
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] &= 1;
            }
        }

        return bytes;
    }

    private static InferTensorContents TypedContents(Random random, string datatype, int count)
    {
        var contents = new InferTensorContents();
        for (var i = 0; i < count; i++)
        {
            var small = Pick(random, 0.8);
            switch (datatype)
            {
                case "BOOL":
                    contents.BoolContents.Add(random.Next(2) == 1);
                    break;
                case "INT8" or "INT16" or "INT32":
                    contents.IntContents.Add(small ? random.Next(-100, 100) : random.Next(int.MinValue, int.MaxValue));
                    break;
                case "INT64":
                    contents.Int64Contents.Add(small ? random.Next(-3, 3) : random.NextInt64(long.MinValue, long.MaxValue));
                    break;
                case "UINT8" or "UINT16" or "UINT32":
                    contents.UintContents.Add(small ? (uint)random.Next(200) : (uint)random.NextInt64(uint.MaxValue));
                    break;
                case "UINT64":
                    contents.Uint64Contents.Add((ulong)random.NextInt64(long.MaxValue));
                    break;
                case "FP32" or "FP16" or "BF16":
                    contents.Fp32Contents.Add(small ? (float)random.NextDouble() * 8 : BitConverter.Int32BitsToSingle(random.Next()));
                    break;
                case "FP64":
                    contents.Fp64Contents.Add(random.NextDouble());
                    break;
                default:
                    contents.BytesContents.Add(ByteString.CopyFrom(RandomBytes(random, random.Next(6))));
                    break;
            }
        }

        return contents;
    }

    private static byte[] Corrupt(Random random, byte[] bytes)
    {
        var result = new List<byte>(bytes);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && result.Count > 0; e++)
        {
            var at = random.Next(result.Count);
            switch (random.Next(4))
            {
                case 0:
                    result[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    result[at] = (byte)random.Next(256);
                    break;
                case 2:
                    result.RemoveRange(at, result.Count - at);
                    break;
                default:
                    result.InsertRange(at, RandomBytes(random, random.Next(1, 5)));
                    break;
            }
        }

        return [.. result];
    }

    private static async Task<(StatusCode Status, string Message)> CallAsync(RawGrpcCall raw, byte[] message)
    {
        using var response = await raw.SendAsync(message);
        var (status, detail) = await RawGrpcCall.StatusAndMessageAsync(response);
        Assert.True(status is not null, $"HTTP {(int)response.StatusCode} without grpc-status: {response}");
        return ((StatusCode)status!.Value, detail);
    }

    private static void AssertConsistent(ModelInferResponse response, ModelMetadataResponse metadata, string context)
    {
        Assert.True(response.Outputs.Count > 0, context);
        Assert.All(response.Outputs, o => Assert.Contains(metadata.Outputs, m => m.Name == o.Name && m.Datatype == o.Datatype));
        if (response.RawOutputContents.Count == 0)
        {
            return;
        }

        Assert.Equal(response.Outputs.Count, response.RawOutputContents.Count);
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var elements = output.Shape.Aggregate(1L, (a, b) => a * b);
            var bytes = response.RawOutputContents[i].Length;
            if (output.Datatype == "BYTES")
            {
                Assert.True(bytes >= 4 * elements, context);
            }
            else
            {
                Assert.True(elements * ElementSize(output.Datatype) == bytes, $"{context}: output {output.Name} has {bytes} bytes for shape [{string.Join(",", output.Shape)}]");
            }
        }
    }

    private static int ElementSize(string datatype) => datatype switch
    {
        "BOOL" or "UINT8" or "INT8" => 1,
        "UINT16" or "INT16" or "FP16" or "BF16" => 2,
        "UINT32" or "INT32" or "FP32" => 4,
        _ => 8,
    };

    private static int? ElementCount(IEnumerable<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0 || d > 64)
            {
                return null;
            }

            count *= d;
        }

        return count <= 256 ? (int)count : null;
    }

    private static bool TryParse(byte[] bytes)
    {
        try
        {
            ModelInferRequest.Parser.ParseFrom(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static bool Pick(Random random, double probability) => random.NextDouble() < probability;

    private static string RandomText(Random random)
    {
        const string alphabet = "abcxyz_01é\u00ff-.";
        return new([.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int StableSeed(string text) => text.Aggregate(20261130, (h, c) => unchecked((h * 31) + c));
}
