using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

public sealed class ServerOptionsTests
{
    [Fact]
    public async Task MaxSendMessageSize_OverLimitResponse_IsResourceExhausted()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxSendMessageSize = 1000);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);

        var ok = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = 500 });
        Assert.Equal(500, ok.Payload.Length);
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = 5000 }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task MaxReceiveMessageSize_Configured_AppliesToCompressedRequestsToo()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxReceiveMessageSize = 10_000);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress, new GrpcChannelOptions { RequestCompression = "gzip" });

        // 20 kB of zeros compress to far less than the limit on the wire; inflated they exceed it.
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[20_000]) }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }
}
