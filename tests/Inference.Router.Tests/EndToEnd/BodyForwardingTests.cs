using System.Net;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The peek leaves the body alone: what the client sent is what the model server receives, byte for byte.</summary>
public sealed class BodyForwardingTests : IrisBackendTests
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        V1.RecordBodies = true;
    }

    private static byte[] Body(string id, int payloadBytes)
    {
        var request = new ModelInferRequest { ModelName = "iris", Id = id };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "UINT8", Shape = { payloadBytes } });
        var payload = new byte[payloadBytes];
        new Random(payloadBytes).NextBytes(payload);
        request.RawInputContents.Add(ByteString.CopyFrom(payload));
        return GrpcTestClient.Frame(request);
    }

    [Fact]
    public async Task BodyLargerThanThePeekWindow_IsForwardedByteForByte()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var body = Body("large", 3 * 1024 * 1024 + 17);
        Assert.True(body.Length > 64 * 1024);

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, body);

        Assert.Equal((0, "1"), (result.Status, result.Header("x-model-version")));
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
        var body = Body(id, payloadBytes);
        var content = new ChunkedContent(body, chunk);

        var result = await Client.CallContentAsync(router.GrpcUrl, Infer, content);

        Assert.Equal((0, "1", "control"), (result.Status, result.Header("x-model-version"), result.Header("x-experiment-group")));
        Assert.True(content.Writes > 1, "the body went out in one write");
        Assert.True(V1.Bodies.TryGetValue(id, out var received), $"the backend saw no call '{id}'");
        Assert.True(body.AsSpan().SequenceEqual(received), "the forwarded body differs from the one sent");
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
