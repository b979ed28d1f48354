using System.Buffers;
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
        const int limit = 10_000;
        await using var server = await TestServer.StartAsync(o => o.MaxReceiveMessageSize = limit);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress, new GrpcChannelOptions { RequestCompression = "gzip" });
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[20_000]) };
        // Under the limit as sent (so the frame header passes), over it once inflated.
        var wire = new ArrayBufferWriter<byte>();
        MessageCodec.Write(wire, request, gzip: true, int.MaxValue);
        Assert.InRange(wire.WrittenCount - GrpcFraming.HeaderSize, 1, limit - 1);
        Assert.True(request.CalculateSize() > limit);

        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, request));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal($"Received decompressed message larger than max ({limit} bytes).", ex.Detail);
    }

    [Fact]
    public async Task MaxReceiveMessageSize_Configured_UncompressedOverLimit_RejectedByItsHeader()
    {
        const int limit = 10_000;
        await using var server = await TestServer.StartAsync(o => o.MaxReceiveMessageSize = limit);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[20_000]) };

        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, request));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal($"Received message larger than max ({request.CalculateSize()} vs. {limit})", ex.Detail);
    }
}
