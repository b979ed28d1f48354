using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Http;
using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

/// <summary>What the client channel puts on the wire and how it uses connections, seen from the server side.</summary>
public sealed class ChannelTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "gzip")]
    public async Task RequestCompression_Gzip_HeaderAndCompressedFlagOnTheWire(bool onChannel, string? perCall)
    {
        await using var server = await RecordingServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { RequestCompression = onChannel ? "gzip" : null });
        var sent = new EchoRequest { Message = "zip", Payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'q', 50_000).ToArray()) };

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, sent, new CallOptions { Compression = perCall });
        var request = await server.NextAsync();

        Assert.Equal("recorded", reply.Message);
        Assert.Equal("gzip", request.GrpcEncoding);
        Assert.Contains("gzip", request.GrpcAcceptEncoding, StringComparison.Ordinal);
        Assert.Equal(1, request.Body[0]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(request.Body.AsSpan(1));
        Assert.Equal(request.Body.Length - 5, (int)length);
        Assert.True(length < sent.CalculateSize(), $"{length} bytes on the wire for a {sent.CalculateSize()}-byte message");
        using var gzip = new GZipStream(new MemoryStream(request.Body, 5, (int)length), CompressionMode.Decompress);
        Assert.Equal(sent, EchoRequest.Parser.ParseFrom(gzip));
    }

    [Fact]
    public async Task RequestCompression_None_IsIdentityOnTheWire()
    {
        await using var server = await RecordingServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        var sent = new EchoRequest { Message = "plain", Payload = ByteString.CopyFrom(new byte[1000]) };

        await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, sent);
        var request = await server.NextAsync();

        Assert.Null(request.GrpcEncoding);
        Assert.Equal(0, request.Body[0]);
        Assert.Equal(sent, EchoRequest.Parser.ParseFrom(request.Body.AsSpan(5)));
    }

    [Theory]
    [InlineData("/prefix/", "/prefix/inference.grpc.test.Echo/Unary")]
    [InlineData("/prefix", "/prefix/inference.grpc.test.Echo/Unary")]
    [InlineData("/a/b/", "/a/b/inference.grpc.test.Echo/Unary")]
    [InlineData("/", "/inference.grpc.test.Echo/Unary")]
    public async Task Address_WithAPath_KeepsItBeforeTheMethod(string path, string expected)
    {
        await using var server = await RecordingServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(new Uri(server.Address, path));

        await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest());

        Assert.Equal(expected, (await server.NextAsync()).Path);
    }

    [Fact]
    public async Task ManyConcurrentCalls_OverTheServersStreamLimit_OpenMoreConnections()
    {
        // Kestrel's default limit, which is also what HttpClient assumes of a new connection until the
        // server's SETTINGS arrive (a lower limit makes a burst overshoot it: see RefusedStreams_AreResent).
        const int streamsPerConnection = 100;
        const int calls = 250;
        await using var server = await TestServer.StartAsync(configureKestrel: k => k.Limits.Http2.MaxStreamsPerConnection = streamsPerConnection);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress);
        // Each call waits until all of them are in flight at once, which one connection cannot carry.
        server.Probe.ExpectGathering(calls);

        var replies = await Task.WhenAll(Enumerable.Range(0, calls).Select(_ =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "gather" }))).WaitAsync(Wait);

        Assert.All(replies, r => Assert.Equal("gather", r.Message));
        var connections = server.Probe.GatherConnections;
        Assert.True(connections.Count >= 3, $"{connections.Count} connections");
        Assert.All(connections.Values, n => Assert.InRange(n, 1, streamsPerConnection));
        Assert.Equal(calls, connections.Values.Sum());
    }

    [Fact]
    public async Task RefusedStreams_AreResent()
    {
        // HttpClient itself resends a refused request three times; the fifth stream is the call's own resend.
        await using var listener = new RawHttp2Listener(refuseFirst: 4);
        using var channel = GrpcChannel.ForAddress(listener.Address);

        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest()));

        // The answer of the fifth stream, not the refusal.
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal("raw listener", ex.Detail);
        Assert.Equal(5, listener.Streams);
    }

    [Fact]
    public async Task RefusedStreams_OfAStreamingCall_AreNotResent()
    {
        await using var listener = new RawHttp2Listener(refuseFirst: 4);
        using var channel = GrpcChannel.ForAddress(listener.Address);

        using var call = channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex);
        var ex = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync());

        // Unavailable: no one cancelled this call, the server refused it; its messages are not sent twice.
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(1, listener.Streams);
    }

    [Fact]
    public async Task MultipleConnectionsOff_CallsQueueOnOneConnection()
    {
        const int streamsPerConnection = 10;
        await using var server = await TestServer.StartAsync(configureKestrel: k => k.Limits.Http2.MaxStreamsPerConnection = streamsPerConnection);
        using var channel = GrpcChannel.ForAddress(server.H2cAddress, new GrpcChannelOptions { EnableMultipleHttp2Connections = false });
        // The first ten wait for each other (the connection is full); the rest pass once they have gone.
        server.Probe.ExpectGathering(streamsPerConnection);

        await Task.WhenAll(Enumerable.Range(0, 3 * streamsPerConnection).Select(_ =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "gather" }))).WaitAsync(Wait);

        var only = Assert.Single(server.Probe.GatherConnections);
        Assert.Equal(3 * streamsPerConnection, only.Value);
    }

    [Fact]
    public async Task KeepAlivePings_AreSentOnAnIdleConnection()
    {
        await using var listener = new RawHttp2Listener();
        using var channel = GrpcChannel.ForAddress(listener.Address, new GrpcChannelOptions
        {
            KeepAlivePingDelay = TimeSpan.FromSeconds(1),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        });

        // The listener answers in gRPC: the connection is up and stays open, idle.
        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Equal("raw listener", ex.Detail);

        // Repeated pings on a connection that receives nothing are keep-alives (no data, so no window probes).
        await listener.WaitForPingsAsync(3).WaitAsync(Wait);
        Assert.Equal(1, listener.Streams);
    }

    [Fact]
    public void CreateHandler_CopiesTheCallersSslOptions_AndAddsH2ToTheCopy()
    {
        Func<object, System.Security.Cryptography.X509Certificates.X509Certificate?, System.Security.Cryptography.X509Certificates.X509Chain?, System.Net.Security.SslPolicyErrors, bool> accept = (_, _, _, _) => true;
        var given = new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "models.internal",
            RemoteCertificateValidationCallback = new(accept),
        };

        using var handler = GrpcChannel.CreateHandler(new GrpcChannelOptions { SslOptions = given });

        Assert.Null(given.ApplicationProtocols);
        Assert.NotSame(given, handler.SslOptions);
        Assert.Equal([System.Net.Security.SslApplicationProtocol.Http2], handler.SslOptions.ApplicationProtocols!);
        Assert.Equal("models.internal", handler.SslOptions.TargetHost);
        Assert.Same(given.RemoteCertificateValidationCallback, handler.SslOptions.RemoteCertificateValidationCallback);
    }
}
