using Google.Protobuf;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

/// <summary>Our client against our server over real Kestrel (h2c on 127.0.0.1).</summary>
public sealed class CallTests(TestServerFixture fixture) : IClassFixture<TestServerFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(fixture.Server.H2cAddress);

    public void Dispose() => _channel.Dispose();

    [Fact]
    public async Task Unary_EchoesMessage()
    {
        var reply = await _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary,
            new EchoRequest { Message = "hello", Payload = ByteString.CopyFromUtf8("bytes") });

        Assert.Equal("hello", reply.Message);
        Assert.Equal("bytes", reply.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Unary_MetadataBothWays_IncludingBinary()
    {
        var binary = new byte[] { 0, 1, 2, 250, 255 };
        var options = new CallOptions { Headers = new Metadata().Add("x-test", "abc").Add("x-data-bin", binary) };

        var response = await _channel.UnaryCallAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "m" }, options);

        Assert.Equal("abc", response.ResponseHeaders.GetValue("x-echo-test"));
        Assert.Equal(binary, response.ResponseHeaders.GetValueBytes("x-echo-data-bin"));
        Assert.Equal("done", response.Trailers.GetValue("x-trailer"));
        Assert.Equal(binary, response.Trailers.GetValueBytes("x-trailer-data-bin"));
    }

    [Fact]
    public async Task ServerStreaming_ReturnsEveryMessageInOrder()
    {
        using var call = _channel.ServerStreaming<EchoRequest, EchoReply>(EchoService.ServerStream, new EchoRequest { Message = "s", Count = 25 });
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        Assert.Equal(Enumerable.Range(0, 25), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_ArrivesInTrailers()
    {
        using var call = _channel.ServerStreaming<EchoRequest, EchoReply>(EchoService.ServerStream,
            new EchoRequest { Message = "fail:9:stopped midway", Count = 2 });
        var (received, ex) = await ClientStreams.ReadUntilFailureAsync(call.ResponseStream);

        Assert.Equal(2, received);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("stopped midway", ex.Detail);
    }

    [Fact]
    public async Task ClientStreaming_JoinsRequests()
    {
        using var call = _channel.ClientStreaming<EchoRequest, EchoReply>(EchoService.ClientStream);
        foreach (var word in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal(3, reply.Index);
    }

    [Fact]
    public async Task Duplex_InterleavesRequestsAndResponses()
    {
        using var call = _channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex,
            new CallOptions { Headers = new Metadata().Add("x-test", "duplex") });
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNextAsync());
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        Assert.Equal("duplex", (await call.ResponseHeadersAsync()).GetValue("x-echo-test"));
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Error_StatusAndNonAsciiMessage_ReachTheClient()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "fail:5:modèle « iris » introuvable ✓" }));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("modèle « iris » introuvable ✓", ex.Detail);
    }

    [Fact]
    public async Task Error_UnexpectedException_IsUnknownWithoutInternals()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "throw" }));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperation", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_ResponseHeadersSetBeforeFailure_AreExposed()
    {
        var options = new CallOptions { Headers = new Metadata().Add("x-test", "tagged") };
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "fail:3:bad" }, options));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("tagged", ex.ResponseHeaders.GetValue("x-echo-test"));
    }

    [Theory]
    [InlineData("/inference.grpc.test.Echo/Missing")]
    [InlineData("/no.Such/Service")]
    public async Task UnknownMethod_IsUnimplemented_TrailersOnly(string method)
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(method, new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains(method, ex.Detail, StringComparison.Ordinal);

        // On the wire: the status in the response headers, no body, no trailers.
        using var client = RawGrpc.CreateClient(System.Net.HttpVersion.Version20);
        using var response = await client.SendAsync(RawGrpc.Request(fixture.Server.H2cAddress, method, new EchoRequest()));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", RawGrpc.Header(response, "grpc-status"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task Error_GrpcExceptionTrailers_ReachTheClient_TrailersOnly()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "fail-trailers" }));

        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("with trailers", ex.Detail);
        Assert.Equal("conflict", ex.Trailers.GetValue("x-reason"));
        Assert.Equal(new byte[] { 1, 2, 3 }, ex.Trailers.GetValueBytes("x-reason-bin"));
        // The handler's own trailers went out with the exception's.
        Assert.Equal("done", ex.Trailers.GetValue("x-trailer"));
    }

    [Fact]
    public async Task Error_GrpcExceptionTrailers_AfterMessages_ArriveInTrailers()
    {
        using var call = _channel.ServerStreaming<EchoRequest, EchoReply>(EchoService.ServerStream,
            new EchoRequest { Message = "fail-trailers", Count = 2 });
        var (received, ex) = await ClientStreams.ReadUntilFailureAsync(call.ResponseStream);

        Assert.Equal(2, received);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("conflict", ex.Trailers.GetValue("x-reason"));
        Assert.Equal(new byte[] { 1, 2, 3 }, ex.Trailers.GetValueBytes("x-reason-bin"));
        Assert.Equal("conflict", call.GetTrailers().GetValue("x-reason"));
    }

    [Fact]
    public async Task Error_HandlersOwnIOException_IsUnknown()
    {
        // An IOException the handler raised itself is its failure, not the client leaving.
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "io" }));

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("I/O", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_HandlerSeesCancellationAndClientGetsDeadlineExceeded()
    {
        fixture.Server.Probe.Reset();
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "sleep" },
                new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(EchoProbe.CancelledBy.Deadline, await fixture.Server.Probe.HandlerCancelled.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Deadline_AlreadyPassed_FailsWithoutCallingTheServer()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "x" },
                new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(-1) }));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Cancellation_ReachesTheHandler()
    {
        fixture.Server.Probe.Reset();
        using var cts = new CancellationTokenSource();
        var call = _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "sleep" },
            new CallOptions { CancellationToken = cts.Token });
        var peer = await fixture.Server.Probe.HandlerStarted.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        var ex = await Assert.ThrowsAsync<GrpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(EchoProbe.CancelledBy.Client, await fixture.Server.Probe.HandlerCancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("ipv4:127.0.0.1:", peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_OfADuplexCall_ReachesTheHandlerAndEndsBothStreams()
    {
        fixture.Server.Probe.Reset();
        using var cts = new CancellationTokenSource();
        using var call = _channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex, new CallOptions { CancellationToken = cts.Token });
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "first" });
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal("first", call.ResponseStream.Current.Message);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "sleep" });
        await fixture.Server.Probe.HandlerStarted.WaitAsync(TimeSpan.FromSeconds(30));

        await cts.CancelAsync();

        var read = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.Cancelled, read.StatusCode);
        var write = await Assert.ThrowsAsync<GrpcException>(async () => await call.RequestStream.WriteAsync(new EchoRequest { Message = "after" }));
        Assert.Equal(StatusCode.Cancelled, write.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        Assert.Equal(EchoProbe.CancelledBy.Client, await fixture.Server.Probe.HandlerCancelled.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Duplex_ServerFailsBeforeAnswering_WritesAndReadsGetItsStatus()
    {
        using var call = _channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "fail:9:stop" });

        // The server ended the call: writing on fails (once the client learns it) with the server's status.
        var write = await ClientStreams.WriteUntilRefusedAsync(call.RequestStream);
        Assert.Equal(StatusCode.FailedPrecondition, write.StatusCode);
        Assert.Equal("stop", write.Detail);
        var read = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.FailedPrecondition, read.StatusCode);
        Assert.Equal("stop", read.Detail);
    }

    [Fact]
    public async Task Duplex_ServerFailsAfterAnswering_AFailedWriteLeavesItsStatusToTheResponseStream()
    {
        using var call = _channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "first" });
        Assert.True(await call.ResponseStream.MoveNextAsync());
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "fail:9:stop" });

        var write = await ClientStreams.WriteUntilRefusedAsync(call.RequestStream);
        Assert.True(write.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unavailable, write.ToString());

        // The status came after a message, in the trailers: the failed write did not reset the call.
        var read = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.FailedPrecondition, read.StatusCode);
        Assert.Equal("stop", read.Detail);
    }

    [Fact]
    public async Task Gzip_RequestAndResponseCompression_RoundTrip()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.H2cAddress, new GrpcChannelOptions { RequestCompression = "gzip" });
        var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'q', 50_000).ToArray());

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "compress", Payload = payload });

        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Size_RequestJustUnderLimitPassesAndOverLimitIsResourceExhausted()
    {
        // The request frame holds field tag + length prefix (5 bytes for this size) around the payload.
        var limit = GrpcProtocol.DefaultMaxReceiveMessageSize;
        var under = new EchoRequest { Payload = ByteString.CopyFrom(new byte[limit - 6]) };
        var over = new EchoRequest { Payload = ByteString.CopyFrom(new byte[limit]) };
        Assert.True(under.CalculateSize() <= limit);

        var reply = await _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, under,
            new CallOptions());
        Assert.Equal(under.Payload.Length, reply.Payload.Length);

        var ex = await Assert.ThrowsAsync<GrpcException>(() => _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, over));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Size_ResponseOverClientLimit_IsResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.H2cAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });

        var ok = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = 900 });
        Assert.Equal(900, ok.Payload.Length);
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Size, new EchoRequest { Count = 2000 }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Size_RequestOverClientSendLimit_FailsBeforeSending()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.H2cAddress, new GrpcChannelOptions { MaxSendMessageSize = 100 });
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[200]) }));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Tls_UnaryOverHttps()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.TlsAddress, new GrpcChannelOptions
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });

        var reply = await channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "secure" });
        Assert.Equal("secure", reply.Message);
    }

    [Fact]
    public async Task ServerDown_IsUnavailable()
    {
        // A port that was just free: bind, read it, release.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }
}
