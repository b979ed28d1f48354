using System.Net;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The peek leaves the body alone: what the client sent is what the model server receives, byte for byte.</summary>
public sealed class BodyForwardingTests : IrisBackendTests
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        V1.RecordBodies = true;
    }

    [Fact]
    public async Task BodyLargerThanThePeekWindow_IsForwardedByteForByte()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var body = InferBodies.Random("large", 3 * 1024 * 1024 + 17);
        Assert.True(body.Length > 64 * 1024);

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, body);

        Assert.Equal((0, "1"), (result.Status, result.Header(InferenceHeaders.ModelVersion)));
        Assert.True(V1.Bodies.TryGetValue("large", out var received), "the backend saw no call 'large'");
        Assert.Equal(body.Length, received.Length);
        Assert.True(body.AsSpan().SequenceEqual(received), "the forwarded body differs from the one sent");
    }

    [Theory]
    [InlineData(1, 2_000)]
    [InlineData(7, 100_000)]
    [InlineData(1_000, 300_000)]
    public async Task BodySplitAcrossManyDataFrames_IsPeekedAndForwardedByteForByte(int chunk, int payloadBytes)
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var id = $"split-{chunk}";
        var body = InferBodies.Random(id, payloadBytes);
        var content = new ChunkedContent(body, chunk);

        var result = await Client.CallContentAsync(router.GrpcUrl, Infer, content);

        Assert.Equal((0, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.True(content.Writes > 1, "the body went out in one write");
        Assert.True(V1.Bodies.TryGetValue(id, out var received), $"the backend saw no call '{id}'");
        Assert.True(body.AsSpan().SequenceEqual(received), "the forwarded body differs from the one sent");
    }

    [Fact]
    public async Task Metadata_PassesThroughBothWays_Unchanged()
    {
        // What callers put in metadata (trace context, tenants, their own credentials for the model servers,
        // binary values) reaches the model server as sent, and what the model server answers in headers and
        // trailers reaches the caller: the router adds its tags and takes nothing away.
        V1.ExtraHeaders["x-backend-note"] = "from v1";
        V1.ExtraHeaders["x-backend-blob-bin"] = "AAEC/w";
        V1.ExtraTrailers["x-backend-trailer"] = "done";
        V1.ExtraTrailers["x-backend-trailer-bin"] = "3q2+7w";
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        KeyValuePair<string, string>[] sent =
        [
            new("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            new("tracestate", "vendor=opaque"),
            new("x-tenant", "acme"),
            new("x-trace-bin", "AAEC/w"),
            new("authorization", "Bearer caller-token-for-the-model-server"),
            new("grpc-accept-encoding", "identity,gzip"),
            new("grpc-timeout", "30S"),
        ];

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, InferBodies.Random("metadata", 16), sent);

        Assert.Equal(0, result.Status);
        Assert.True(V1.RequestHeaders.TryGetValue("metadata", out var received), "the backend saw no call 'metadata'");
        foreach (var (name, value) in sent)
        {
            Assert.True(received.TryGetValue(name, out var got) && got == value, $"{name}: sent '{value}', the model server got '{got}'");
        }

        Assert.Equal("application/grpc", received["content-type"]);
        Assert.Equal("trailers", received["te"]);
        Assert.Equal(("from v1", "AAEC/w"), (result.Header("x-backend-note"), result.Header("x-backend-blob-bin")));
        Assert.Equal(("done", "3q2+7w", "0"), (result.Trailer("x-backend-trailer"), result.Trailer("x-backend-trailer-bin"), result.Trailer("grpc-status")));
        Assert.Equal(("1", "control"), (result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
    }

    [Fact]
    public async Task LargeResponse_BeyondEveryFlowControlWindow_ArrivesByteForByte()
    {
        const int padding = 5 * 1024 * 1024 + 3;
        V1.ResponsePaddingBytes = padding;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, InferBodies.Random("large-answer", 3 * 1024 * 1024));

        Assert.Equal((0, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        var answer = ModelInferResponse.Parser.ParseFrom(result.Payload);
        Assert.Equal(["echo", "padding"], answer.Outputs.Select(o => o.Name));
        Assert.True(FakeOipBackend.Padding(padding).AsSpan().SequenceEqual(answer.RawOutputContents[1].Span), "the response differs from the one sent");
    }

    [Fact]
    public async Task SlowReader_HoldsTheModelServerBack_ThroughFlowControl_ThenGetsEveryByte()
    {
        // 32 MiB answered to a caller that reads nothing at first: the router must not take it all from the model
        // server and keep it; flow control has to stop the model server's writes until the caller reads.
        const int padding = 32 * 1024 * 1024;
        V1.ResponsePaddingBytes = padding;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, router.GrpcUrl + Infer)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(InferBodies.Random("slow-reader", 16)),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        await using var body = await response.Content.ReadAsStreamAsync();

        // The model server's writes stop making progress (no change over 50 looks), or it finished writing.
        long last = -1;
        var unchanged = 0;
        await Wait.UntilAsync(() =>
        {
            var written = V1.ResponseBytesWritten;
            unchanged = written == last ? unchanged + 1 : 0;
            last = written;
            return unchanged >= 50 || V1.ResponsesWritten > 0;
        }, "the model server's writes to stop", 120);
        Assert.True(V1.ResponsesWritten == 0 && V1.ResponseBytesWritten < padding / 4, $"the model server wrote {V1.ResponseBytesWritten} of {padding} bytes to a caller that read none");

        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        var frame = copy.ToArray();
        var answer = ModelInferResponse.Parser.ParseFrom(frame.AsSpan(5));
        Assert.True(FakeOipBackend.Padding(padding).AsSpan().SequenceEqual(answer.RawOutputContents[1].Span), "the response differs from the one sent");
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task AnswerBeforeTheBodyWasRead_ReachesTheCaller_AndIsNoUpstreamFailure()
    {
        // A model server may answer (an error status) while the router is still sending the body, and stop reading it.
        V1.RejectUnread = 8;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, InferBodies.Random("rejected", 4 * 1024 * 1024));

        Assert.Equal((8, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Contains("rejects the call unread", result.Message, StringComparison.Ordinal);
        var metrics = await router.ScrapeAsync();
        Assert.Equal(1, metrics.Find("router_requests_total", ("grpc_code", "RESOURCE_EXHAUSTED"), ("version", "1")));
        Assert.False(metrics.HasFamily("router_upstream_failures_total"), "an answered call was counted as an upstream failure");
        Assert.DoesNotContain(router.Logs.Lines, line => line.StartsWith("Warning:", StringComparison.Ordinal) && line.Contains("GrpcProxy", StringComparison.Ordinal));
    }

    /// <summary>
    /// A request body written in small pieces, each flushed: HttpClient sends every write as its own
    /// HTTP/2 DATA frame, so the frame header and the model name arrive split (the first 64 bytes go
    /// one at a time), and a large body in thousands of frames.
    /// </summary>
    private sealed class ChunkedContent(byte[] body, int chunk) : HttpContent
    {
        public int Writes { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length;)
            {
                var size = Math.Min(offset < 64 ? 1 : chunk, body.Length - offset);
                await stream.WriteAsync(body.AsMemory(offset, size));
                await stream.FlushAsync();
                offset += size;
                Writes++;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
