using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Inference.Grpc.Tests.Functional;

/// <summary>
/// Kestrel's per-request body limits (30 MB in total, a minimum data rate) are not gRPC's: the runtime lifts
/// them for every call, so MaxReceiveMessageSize per message is the only size limit. The hosts here set no
/// Kestrel limits of their own.
/// </summary>
public sealed class RequestBodyLimitTests
{
    private const int Limit = 48 * 1024 * 1024;

    [Fact]
    public async Task EveryCall_HasKestrelsBodySizeLimitLifted()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "limits" });

        Assert.Equal("none", reply.Message);
    }

    [Fact]
    public async Task Unary_40MiBMessage_UnderARaisedLimit_Succeeds()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxReceiveMessageSize = Limit);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress, new GrpcChannelOptions { MaxReceiveMessageSize = Limit });
        var payload = ByteString.CopyFrom(Pattern(40 * 1024 * 1024));

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Payload = payload });

        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task ClientStreaming_Over30MBInTotal_Succeeds()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        var chunk = ByteString.CopyFrom(Pattern(1024 * 1024));
        const int count = 40;

        using var call = channel.ClientStreaming<EchoRequest, EchoReply>(EchoService.ClientStream);
        for (var i = 0; i < count; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = chunk });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal(count, reply.Index);
        Assert.Equal((count * 1024L * 1024L).ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task ClientStreaming_PausingClient_IsNotCutOffByKestrelsMinimumDataRate()
    {
        // A host demanding 1 MB/s after a 2 s grace period. The pause below is the scenario (a client that
        // sends when it has something to send), not a synchronisation: with the rate enforced, Kestrel
        // aborts the stream during it.
        await using var server = await TestServer.StartAsync(configureKestrel: kestrel =>
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1_000_000, gracePeriod: TimeSpan.FromSeconds(2)));
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);

        using var call = channel.ClientStreaming<EchoRequest, EchoReply>(EchoService.ClientStream);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "before" });
        await Task.Delay(TimeSpan.FromSeconds(5));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "after" });
        await call.RequestStream.CompleteAsync();

        Assert.Equal("before,after", (await call.ResponseAsync).Message);
    }

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }
}
