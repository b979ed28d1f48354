using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Interop;

/// <summary>Our client against python3-grpcio's server.</summary>
public sealed class GrpcioServerTests(GrpcioServerFixture fixture) : IClassFixture<GrpcioServerFixture>
{
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
