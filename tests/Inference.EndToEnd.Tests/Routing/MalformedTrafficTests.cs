using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Routing;

/// <summary>
/// Seeded random traffic through a router to the real model servers: valid and corrupted bodies (flipped,
/// inserted and cut bytes, frame lengths that lie, the compressed flag without an encoding), every OIP method
/// and unknown ones, odd group overrides, pins, deadlines and encodings. Every call ends with a gRPC status the
/// caller can act on, never UNKNOWN or UNAVAILABLE and never a leaked stack trace; every answered ModelInfer
/// is tagged with the version whose server computed it; afterwards the router and both servers are healthy
/// and no upstream failure was counted.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MalformedTrafficTests(IrisStack stack)
{
    private const int Calls = 1500;
    private const int Seed = 7_300_611;
    private const string Service = "/inference.GRPCInferenceService/";

    private static readonly string[] Methods =
        ["ModelMetadata", "ModelReady", "ServerLive", "ServerReady", "ServerMetadata", "RepositoryIndex", "Nope"];

    [Fact]
    public async Task RandomCalls_EndWithActionableStatuses_AndLeaveEverythingHealthy()
    {
        await using var router = await RouterProcess.StartAsync(RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], 50, 50));
        using var http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, UseProxy = false })
        {
            BaseAddress = router.GrpcAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var random = new Random(Seed);
        var calls = Enumerable.Range(0, Calls).Select(i => RandomCall(random, i)).ToArray();
        using var slots = new SemaphoreSlim(8);

        var results = await Task.WhenAll(calls.Select(async call =>
        {
            await slots.WaitAsync();
            try
            {
                return await SendAsync(http, call);
            }
            finally
            {
                slots.Release();
            }
        }));

        var answered = 0;
        for (var i = 0; i < calls.Length; i++)
        {
            var (call, result) = (calls[i], results[i]);
            var context = $"seed {Seed} call {i} ({call.Path}, headers {string.Join(",", call.Headers)}, body {Convert.ToHexString(call.Body)}): "
                + $"HTTP {result.Http} grpc-status {result.Status} '{result.Message}'";
            Assert.True(result.Http == HttpStatusCode.OK && result.Status is >= 0 and <= 16, context);
            Assert.True(result.Status is not (2 or 14), context);
            Assert.DoesNotContain("   at ", result.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.Message, StringComparison.Ordinal);
            if (result.Status != 0 && result.Status != 4)
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Message), context + ": an error without a message");
            }

            if (call.Path == Service + "ModelInfer" && result.Status == 0)
            {
                answered++;
                var response = ModelInferResponse.Parser.ParseFrom(result.Payload);
                Assert.True(result.Tags.TryGetValue("x-model-version", out var tagged) && tagged == response.ModelVersion, context + $": tagged {tagged}, computed by {response.ModelVersion}");
                Assert.Equal("iris", result.Tags.GetValueOrDefault("x-model-name"));
                Assert.Contains(result.Tags.GetValueOrDefault("x-experiment-group"), new[] { "control", "treatment", "pinned" });
            }
        }

        Assert.True(answered > Calls / 10, $"only {answered} ModelInfer calls were answered: the generator does not reach the model servers");
        Assert.Contains(results, r => r.Status == 3);
        Assert.Contains(results, r => r.Status == 5);
        Assert.Contains(results, r => r.Status == 12);

        Assert.Equal(HttpStatusCode.OK, (await router.Admin.GetAsync("/readyz")).StatusCode);
        var metrics = await router.ScrapeAsync();
        Assert.Null(metrics.Find("router_upstream_failures_total", ("model", "iris"), ("version", "1")));
        Assert.Null(metrics.Find("router_upstream_failures_total", ("model", "iris"), ("version", "2")));
        Assert.DoesNotContain("grpc_code=\"UNKNOWN\"", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("grpc_code=\"UNAVAILABLE\"", metrics.Text, StringComparison.Ordinal);
        foreach (var server in new[] { stack.V1, stack.V2 })
        {
            Assert.True((await server.Client.ServerReadyAsync()).Message.Ready);
            Assert.Null((await server.ScrapeAsync()).Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "UNKNOWN")));
        }

        // And ordinary traffic goes on.
        var after = await router.Client.ModelInferAsync(IrisCalls.Request(0, 2));
        Assert.Equal(after.Message.ModelVersion, after.Tags.ModelVersion);
    }

    private static Call RandomCall(Random random, int index)
    {
        var headers = new List<KeyValuePair<string, string>> { new("x-user-id", $"fuzz-{index}") };
        if (random.Next(8) == 0)
        {
            headers.Add(new("x-experiment-group", new[] { "control", "treatment", "pinned", "", "CONTROL", "nobody" }[random.Next(6)]));
        }

        if (random.Next(10) == 0)
        {
            headers.Add(new("grpc-timeout", new[] { "5S", "30000m", "1x", "-1S", "999999999S", "" }[random.Next(6)]));
        }

        if (random.Next(20) == 0)
        {
            headers.Add(new("grpc-encoding", new[] { "gzip", "identity", "snappy" }[random.Next(3)]));
        }

        if (random.Next(6) == 0)
        {
            var method = Methods[random.Next(Methods.Length)];
            IMessage message = method switch
            {
                "ModelMetadata" => new ModelMetadataRequest { Name = random.Next(4) == 0 ? "tulip" : "iris", Version = random.Next(3) == 0 ? "2" : "" },
                "ModelReady" => new ModelReadyRequest { Name = "iris", Version = random.Next(3) == 0 ? "9" : "" },
                _ => new ServerLiveRequest(),
            };
            return new Call(Service + method, headers, Frame(random, message.ToByteArray(), corrupt: random.Next(4) == 0));
        }

        var available = IrisExpected.For("1").Rows;
        var rows = random.Next(1, Math.Min(4, available) + 1);
        var request = IrisCalls.Request(random.Next(0, available - rows + 1), rows, version: random.Next(10) switch { 0 => "1", 1 => "2", 2 => "7", _ => null });
        switch (random.Next(10))
        {
            case 0:
                request.ModelName = random.Next(2) == 0 ? "" : "tulip";
                break;
            case 1:
                request.Inputs[0].Shape[1] = 5;
                break;
            case 2:
                request.Inputs[0].Datatype = "FP64";
                break;
        }

        return new Call(Service + "ModelInfer", headers, Frame(random, request.ToByteArray(), corrupt: random.Next(3) == 0));
    }

    /// <summary>A gRPC frame of <paramref name="message"/>; when corrupting, bytes change, or the frame lies about itself.</summary>
    private static byte[] Frame(Random random, byte[] message, bool corrupt)
    {
        var bytes = new List<byte>(message);
        var lengthDelta = 0;
        byte flag = 0;
        if (corrupt)
        {
            switch (random.Next(6))
            {
                case 0:
                    lengthDelta = random.Next(1, 64);
                    break;
                case 1:
                    lengthDelta = -random.Next(1, Math.Max(2, bytes.Count));
                    break;
                case 2:
                    flag = 1;
                    break;
                default:
                    for (var e = random.Next(1, 4); e > 0 && bytes.Count > 0; e--)
                    {
                        var at = random.Next(bytes.Count);
                        switch (random.Next(3))
                        {
                            case 0:
                                bytes[at] ^= (byte)(1 << random.Next(8));
                                break;
                            case 1:
                                bytes.RemoveRange(at, bytes.Count - at);
                                break;
                            default:
                                bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 4)).Select(_ => (byte)random.Next(256)));
                                break;
                        }
                    }

                    break;
            }
        }

        var frame = new byte[5 + bytes.Count];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)Math.Max(0, bytes.Count + lengthDelta));
        bytes.CopyTo(frame, 5);
        return frame;
    }

    internal static async Task<Result> SendAsync(HttpClient http, Call call)
    {
        var content = new ByteArrayContent(call.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in call.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers.NonValidated.Concat(response.TrailingHeaders.NonValidated))
        {
            tags[header.Key] = header.Value.ToString();
        }

        var status = tags.TryGetValue("grpc-status", out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : -1;
        var message = tags.TryGetValue("grpc-message", out var encoded) ? Uri.UnescapeDataString(encoded) : "";
        var payload = body.Length >= 5 ? body.AsSpan(5, (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1))).ToArray() : [];
        return new Result(response.StatusCode, status, message, tags, payload);
    }

    internal sealed record Call(string Path, List<KeyValuePair<string, string>> Headers, byte[] Body);

    internal sealed record Result(HttpStatusCode Http, int Status, string Message, Dictionary<string, string> Tags, byte[] Payload);
}
