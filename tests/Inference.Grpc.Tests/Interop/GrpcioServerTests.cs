using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Interop;

/// <summary>Our client against python3-grpcio's server.</summary>
public sealed class GrpcioServerTests(GrpcioServerFixture fixture) : IClassFixture<GrpcioServerFixture>
{
    private const int FourMiB = 4 * 1024 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [PeerFact]
    public async Task Unary()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "hi", Payload = ByteString.CopyFrom(0, 255) });

        Assert.Equal("hi", reply.Message);
        Assert.Equal(new byte[] { 0, 255 }, reply.Payload.ToByteArray());
    }

    [PeerFact]
    public async Task ServerStreaming()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        using var call = channel.ServerStreaming<EchoRequest, EchoReply>(EchoService.ServerStream, new EchoRequest { Message = "s", Count = 12 });
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 12), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [PeerFact]
    public async Task ClientStreaming()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        using var call = channel.ClientStreaming<EchoRequest, EchoReply>(EchoService.ClientStream);
        var chunk = ByteString.CopyFrom(new byte[1024 * 1024]);
        foreach (var word in new[] { "a", "b", "c" })
        {
            // 1 MiB each: several HTTP/2 flow-control windows of grpcio's.
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word, Payload = chunk });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal(3, reply.Index);
        Assert.Equal((3 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Payload.ToStringUtf8());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [PeerFact]
    public async Task ClientCancellation_TheServerSeesTheCallCancelled()
    {
        var address = fixture.RequireAddress();
        using var channel = GrpcChannel.ForAddress(address);
        var id = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();
        var call = channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "sleep" },
            new CallOptions { CancellationToken = cancel.Token, Headers = new Metadata().Add("x-call-id", id) });
        await fixture.EventAsync("started", id).WaitAsync(Wait);

        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAsync<GrpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        // grpcio's handler saw its call end before any deadline: the client's RST_STREAM reached it.
        await fixture.EventAsync("cancelled", id).WaitAsync(Wait);
    }

    [PeerFact]
    public async Task MessageJustUnderFourMiB_Passes()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        // Field tag (1 byte) + length (4 bytes) + payload: 4 MiB - 1, under both sides' default limits.
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[FourMiB - 6]) };
        Assert.Equal(FourMiB - 1, request.CalculateSize());

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, request);

        Assert.Equal(request.Payload.Length, reply.Payload.Length);
    }

    [PeerFact]
    public async Task MessageOverGrpciosReceiveLimit_ResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[FourMiB]) };

        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, request));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains($"{request.CalculateSize()} vs. {FourMiB}", ex.Detail, StringComparison.Ordinal);
    }

    [PeerFact]
    public async Task ResponseOverOurDefaultReceiveLimit_ResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());

        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = FourMiB }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal($"Received message larger than max ({FourMiB + 5} vs. {FourMiB})", ex.Detail);
    }

    [PeerFact]
    public async Task Duplex()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        using var call = channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"d{i}" });
            Assert.True(await call.ResponseStream.MoveNextAsync());
            Assert.Equal($"d{i}", call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
    }

    [PeerFact]
    public async Task MetadataBothWays()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        var data = new byte[] { 0, 1, 254, 255 };
        var response = await channel.UnaryCallAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "m" },
            new CallOptions { Headers = new Metadata().Add("x-test", "abc").Add("x-data-bin", data) });

        Assert.Equal("abc", response.ResponseHeaders.GetValue("x-echo-test"));
        Assert.Equal(data, response.ResponseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Equal("done", response.Trailers.GetValue("x-trailer"));
    }

    [PeerFact]
    public async Task StatusWithNonAsciiMessage()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        const string text = "modèle « iris » introuvable ✓ 100%";
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "fail:5:" + text }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(text, ex.Detail);
    }

    [PeerFact]
    public async Task DeadlineExceeded()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "sleep" },
                new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [PeerFact]
    public async Task GzipBothWays()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress(), new GrpcChannelOptions { RequestCompression = "gzip" });
        var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'g', 40_000).ToArray());

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "compress", Payload = payload });

        Assert.Equal(payload, reply.Payload);
    }

    [PeerFact]
    public async Task ResponseOverClientLimit_ResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress(), new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = 5000 }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [PeerFact]
    public async Task UnknownMethod_Unimplemented()
    {
        using var channel = GrpcChannel.ForAddress(fixture.RequireAddress());
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>("/inference.grpc.test.Echo/Missing", new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }
}
