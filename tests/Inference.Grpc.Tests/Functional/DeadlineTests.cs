using System.Net;
using Inference.Grpc.Client;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Functional;

/// <summary>
/// The server ends a call at its deadline even when the handler ignores its token (the <c>stubborn</c> command):
/// DEADLINE_EXCEEDED goes out at once, the handler's later writes fail, and the connection stays usable.
/// </summary>
public sealed class DeadlineTests(TestServerFixture fixture) : IClassFixture<TestServerFixture>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // Its own deadline never fires: what it reports comes from the server.
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(fixture.Server.H2cAddress, new GrpcChannelOptions { TimeProvider = new StoppedClock() });

    private EchoProbe Probe => fixture.Server.Probe;

    public void Dispose()
    {
        Probe.ReleaseStubborn();
        _channel.Dispose();
    }

    [Fact]
    public async Task StubbornUnary_TrailersOnlyDeadlineExceeded_WhileTheHandlerStillRuns()
    {
        Probe.Reset();
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "stubborn" });
        request.Headers.Add("grpc-timeout", "200m");

        // The handler is released only below: this response can only be the server's deadline.
        using var response = await client.SendAsync(request).WaitAsync(Wait);
        var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(Wait);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("4", RawGrpc.Header(response, "grpc-status"));
        Assert.Equal("Deadline Exceeded", RawGrpc.Header(response, "grpc-message"));
        Assert.Empty(body);
        Assert.Empty(response.TrailingHeaders);
        Assert.False(Probe.LateWrite.IsCompleted);

        Probe.ReleaseStubborn();
        await Probe.AssertLateWriteRefusedByDeadlineAsync();

        // The same connection serves the next call.
        using var next = await client.SendAsync(RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "after" }));
        var nextBody = await next.Content.ReadAsByteArrayAsync();
        Assert.Equal("after", EchoReply.Parser.ParseFrom(nextBody, 5, nextBody.Length - 5).Message);
        Assert.Equal("0", RawGrpc.Trailer(next, "grpc-status"));
    }

    [Fact]
    public async Task StubbornUnary_OurClientGetsDeadlineExceededFromTheServer()
    {
        Probe.Reset();
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "stubborn" },
                new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) }).WaitAsync(Wait));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("Deadline Exceeded", ex.Detail);
        Assert.False(Probe.LateWrite.IsCompleted);
        Probe.ReleaseStubborn();
        await Probe.AssertLateWriteRefusedByDeadlineAsync();
        Assert.Equal("next", (await _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "next" })).Message);
    }

    [Fact]
    public async Task StubbornServerStreaming_StatusFollowsTheMessagesAlreadySent()
    {
        Probe.Reset();
        using var call = _channel.ServerStreaming<EchoRequest, EchoReply>(EchoService.ServerStream,
            new EchoRequest { Message = "stubborn", Count = 2 }, new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var (received, ex) = await ClientStreams.ReadUntilFailureAsync(call.ResponseStream);

        Assert.Equal(2, received);
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        // At the deadline only the status is sent: the handler may still be filling its trailers.
        Assert.Null(call.GetTrailers().GetValue("x-trailer"));

        Probe.ReleaseStubborn();
        await Probe.AssertLateWriteRefusedByDeadlineAsync();
    }

    [Fact]
    public async Task StubbornDuplex_ServerEndsBothDirectionsAtTheDeadline()
    {
        using var call = await StartStubbornDuplexAsync();

        var ex = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        var write = await Assert.ThrowsAsync<GrpcException>(async () => await call.RequestStream.WriteAsync(new EchoRequest { Message = "more" }));
        Assert.Equal(StatusCode.DeadlineExceeded, write.StatusCode);

        Probe.ReleaseStubborn();
        await Probe.AssertLateWriteRefusedByDeadlineAsync();
    }

    [Fact]
    public async Task StubbornDuplex_AClientThatKeepsWriting_IsStoppedByTheServersReset()
    {
        using var call = await StartStubbornDuplexAsync();

        // The handler reads nothing more: without the server's RST_STREAM(NO_ERROR) after its status, these
        // writes would fill the flow-control window and block until the helper cancels them (CANCELLED).
        var write = await ClientStreams.WriteUntilRefusedAsync(call.RequestStream);
        Assert.NotEqual(StatusCode.Cancelled, write.StatusCode);

        var read = await Assert.ThrowsAsync<GrpcException>(async () => await call.ResponseStream.MoveNextAsync().AsTask().WaitAsync(Wait));
        Assert.Equal(StatusCode.DeadlineExceeded, read.StatusCode);
    }

    [Fact]
    public async Task Deadline_HandlerThatHonoursItsToken_StillGetsItCancelled()
    {
        Probe.Reset();
        var ex = await Assert.ThrowsAsync<GrpcException>(() =>
            _channel.UnaryAsync<EchoRequest, EchoReply>(EchoService.Unary, new EchoRequest { Message = "sleep" },
                new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) }).WaitAsync(Wait));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(EchoProbe.CancelledBy.Deadline, await Probe.HandlerCancelled.WaitAsync(Wait));
    }

    /// <summary>A duplex call with a 2 s deadline that got one answer, then a message the handler sits on.</summary>
    private async Task<DuplexStreamingCall<EchoRequest, EchoReply>> StartStubbornDuplexAsync()
    {
        Probe.Reset();
        var call = _channel.DuplexStreaming<EchoRequest, EchoReply>(EchoService.Duplex, new CallOptions { Timeout = TimeSpan.FromSeconds(2) });
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "first" });
        Assert.True(await call.ResponseStream.MoveNextAsync().AsTask().WaitAsync(Wait));
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "stubborn" });
        await Probe.StubbornStarted.WaitAsync(Wait);
        return call;
    }

    [Fact]
    public async Task LongestTimeout_IsAccepted()
    {
        // 99,999,999 hours: beyond any timer and any DateTime; the call simply has no practical deadline.
        using var client = RawGrpc.CreateClient(HttpVersion.Version20);
        var request = RawGrpc.Request(fixture.Server.H2cAddress, EchoService.Unary, new EchoRequest { Message = "patient" });
        request.Headers.Add("grpc-timeout", "99999999H");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("patient", EchoReply.Parser.ParseFrom(body, 5, body.Length - 5).Message);
        Assert.Equal("0", RawGrpc.Trailer(response, "grpc-status"));
    }
}
