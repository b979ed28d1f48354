using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Inference.Router.Http2;

namespace Inference.Router.Tests.Http2;

/// <summary>The built-in HTTP/2 client against a raw server that sends exactly the frames a test needs.</summary>
public sealed class Http2HandlerScriptedTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ScriptedH2Server _server = new();
    private readonly Http2Handler _handler = new();
    private HttpMessageInvoker _client = null!;

    public Task InitializeAsync()
    {
        _client = new HttpMessageInvoker(_handler);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GoAway_StreamsAboveTheLastStreamId_AreSentAgainOnANewConnection()
    {
        var first = Send("/a", "body-a");
        using var one = await _server.AcceptAsync();
        var a = await one.ReadRequestAsync();
        var second = Send("/b", "body-b");
        var b = await one.ReadRequestAsync();

        // Only the first stream was processed; the second must go again, whole, elsewhere.
        await one.WriteGoAwayAsync(a.StreamId, Http2ErrorCode.NoError);
        await one.WriteHeadersAsync(a.StreamId, endStream: false, 200);
        await one.WriteDataAsync(a.StreamId, endStream: true, "answer-a");
        using var two = await _server.AcceptAsync();
        var again = await two.ReadRequestAsync();
        await two.WriteHeadersAsync(again.StreamId, endStream: false, 200);
        await two.WriteDataAsync(again.StreamId, endStream: true, "answer-b");

        Assert.Equal("answer-a", await BodyAsync(first));
        Assert.Equal("answer-b", await BodyAsync(second));
        Assert.True(b.StreamId > a.StreamId);
        Assert.Equal("/b", again.Field(":path"));
        Assert.Equal("body-b", Encoding.ASCII.GetString([.. again.Body]));
    }

    [Fact]
    public async Task RefusedStream_IsSentAgain_WithItsWholeBody()
    {
        var call = Send("/r", "refuse-me-once");
        using var connection = await _server.AcceptAsync();
        var refused = await connection.ReadRequestAsync();
        await connection.WriteRstStreamAsync(refused.StreamId, Http2ErrorCode.RefusedStream);
        var again = await connection.ReadRequestAsync();
        await connection.WriteHeadersAsync(again.StreamId, endStream: false, 200);
        await connection.WriteDataAsync(again.StreamId, endStream: true, "accepted");

        Assert.Equal("accepted", await BodyAsync(call));
        Assert.NotEqual(refused.StreamId, again.StreamId);
        Assert.Equal("refuse-me-once", Encoding.ASCII.GetString([.. again.Body]));
    }

    [Fact]
    public async Task RefusedStream_WithoutABody_IsSentAgain()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.Url, "/get")) { Version = HttpVersion.Version20 };
        var call = _client.SendAsync(request, CancellationToken.None);
        using var connection = await _server.AcceptAsync();
        var refused = await connection.ReadRequestAsync();
        await connection.WriteRstStreamAsync(refused.StreamId, Http2ErrorCode.RefusedStream);
        var again = await connection.ReadRequestAsync();
        await connection.WriteHeadersAsync(again.StreamId, endStream: true, 204);

        using var response = await call.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(("GET", "/get"), (again.Field(":method"), again.Field(":path")));
        Assert.Empty(again.Body);
    }

    [Fact]
    public async Task ConnectionDrop_BeforeTheResponse_FailsTheCall_AndTheNextCallReconnects()
    {
        var call = Send("/x", "lost");
        using (var connection = await _server.AcceptAsync())
        {
            await connection.ReadRequestAsync();
            connection.Drop();
        }

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => call);
        Assert.NotEqual(HttpRequestError.ConnectionError, error.HttpRequestError);

        var next = Send("/y", "next");
        using var fresh = await _server.AcceptAsync();
        var request = await fresh.ReadRequestAsync();
        await fresh.WriteHeadersAsync(request.StreamId, endStream: true, 204);
        using var response = await next.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task ConnectionDrop_InTheMiddleOfTheBody_FailsTheRead_AfterTheBytesThatArrived()
    {
        var call = Send("/x", "q");
        using var connection = await _server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        await connection.WriteHeadersAsync(request.StreamId, endStream: false, 200);
        await connection.WriteDataAsync(request.StreamId, endStream: false, "partial");

        using var response = await call.WaitAsync(Patience);
        var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var read = await body.ReadAsync(buffer);
        connection.Drop();

        Assert.Equal("partial", Encoding.ASCII.GetString(buffer, 0, read));
        await Assert.ThrowsAnyAsync<IOException>(() => body.ReadAsync(buffer).AsTask());
    }

    [Fact]
    public async Task Ping_IsAnswered_WithTheSamePayload()
    {
        var call = Send("/p", "x");
        using var connection = await _server.AcceptAsync();
        await connection.ReadRequestAsync();

        await connection.WriteFrameAsync(Http2FrameType.Ping, 0, 0, "8 bytes!"u8);
        var (ack, payload) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.Ping);

        Assert.True(ack.Has(Http2Flags.Ack));
        Assert.Equal("8 bytes!", Encoding.ASCII.GetString(payload));
        Assert.False(call.IsCompleted);
    }

    [Fact]
    public async Task ClientSettings_DisablePush_AndAnnounceItsWindowAndHeaderListLimit()
    {
        var call = Send("/s", "x");
        using var connection = await _server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        await connection.WriteHeadersAsync(request.StreamId, endStream: true, 204);
        using var response = await call.WaitAsync(Patience);

        Assert.Equal(0u, connection.ClientSettings[Http2SettingId.EnablePush]);
        Assert.Equal((uint)new Http2HandlerOptions().StreamWindow, connection.ClientSettings[Http2SettingId.InitialWindowSize]);
        Assert.Equal(256u * 1024, connection.ClientSettings[Http2SettingId.MaxHeaderListSize]);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task UnansweredKeepAlivePing_FailsTheConnection_AndItsCalls()
    {
        using var client = new HttpMessageInvoker(new Http2Handler(new Http2HandlerOptions
        {
            KeepAlivePingDelay = TimeSpan.FromMilliseconds(100),
            KeepAlivePingTimeout = TimeSpan.FromMilliseconds(100),
        }));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Url, "/k")) { Version = HttpVersion.Version20, Content = new StringContent("k") };
        var call = client.SendAsync(request, CancellationToken.None);
        using var connection = await _server.AcceptAsync();
        await connection.ReadRequestAsync();

        // The server goes silent: no answer to the call, none to the PING.
        var (ping, _) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.Ping);

        Assert.False(ping.Has(Http2Flags.Ack));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => call.WaitAsync(Patience));
        Assert.Contains("keep-alive PING", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleConnection_IsClosedWithGoAway_AndTheNextCallOpensANewOne()
    {
        using var client = new HttpMessageInvoker(new Http2Handler(new Http2HandlerOptions { IdleTimeout = TimeSpan.FromMilliseconds(100) }));
        string[] answers = ["first", "second"];
        foreach (var answer in answers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Url, "/i")) { Version = HttpVersion.Version20, Content = new StringContent(answer) };
            var call = client.SendAsync(request, CancellationToken.None);
            using var connection = await _server.AcceptAsync();
            var received = await connection.ReadRequestAsync();
            await connection.WriteHeadersAsync(received.StreamId, endStream: false, 200);
            await connection.WriteDataAsync(received.StreamId, endStream: true, answer);
            using var response = await call.WaitAsync(Patience);
            Assert.Equal(answer, await response.Content.ReadAsStringAsync());

            var (_, payload) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);
            Assert.Equal((uint)Http2ErrorCode.NoError, BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)));
        }
    }

    [Fact]
    public async Task ServerSettings_SmallWindowAndFrameSize_BoundEveryDataFrame_AndLargeHeadersUseContinuation()
    {
        var body = string.Concat(Enumerable.Range(0, 100).Select(i => $"{i:D4}-data"));
        var bigHeader = new string('h', 40_000);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Url, "/w"))
        {
            Version = HttpVersion.Version20,
            Content = new StringContent(body),
        };
        request.Headers.TryAddWithoutValidation("x-big", bigHeader);
        var call = _client.SendAsync(request, CancellationToken.None);
        using var connection = await _server.AcceptAsync((Http2SettingId.InitialWindowSize, 100), (Http2SettingId.MaxFrameSize, 16384));

        // HEADERS then CONTINUATIONs: the block is larger than one 16 KiB frame.
        var (headers, _) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.Headers);
        Assert.False(headers.Has(Http2Flags.EndHeaders));
        var continuations = 0;
        while (true)
        {
            var (frame, _) = await connection.ReadFrameAsync();
            Assert.Equal(Http2FrameType.Continuation, frame.Type);
            continuations++;
            if (frame.Has(Http2Flags.EndHeaders))
            {
                break;
            }
        }

        var received = new StringBuilder();
        var credit = 100;
        while (true)
        {
            var (frame, payload) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.Data);
            Assert.True(payload.Length <= credit, $"a DATA frame of {payload.Length} bytes with {credit} bytes of window");
            credit -= payload.Length;
            received.Append(Encoding.ASCII.GetString(payload));
            if (frame.Has(Http2Flags.EndStream))
            {
                await connection.WriteHeadersAsync(headers.StreamId, endStream: true, 200);
                break;
            }

            if (credit == 0)
            {
                credit += 300;
                await connection.WriteWindowUpdateAsync(headers.StreamId, 300);
            }
        }

        using var response = await call.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(continuations >= 2, $"{continuations} CONTINUATION frames for a 40 KB header");
        Assert.Equal(body, received.ToString());
    }

    [Fact]
    public async Task ResponseHeaders_WithHuffmanAndTheDynamicTable_DecodeAcrossResponses()
    {
        // RFC 7541 C.6 blocks, after a dynamic table size update to 256 so the evictions are the RFC's.
        string[] blocks =
        [
            "3fe101488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
            "4883640effc1c0bf",
            "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
        ];
        var responses = new List<HttpResponseMessage>();
        using var connection = await AcceptAfterAsync(Send("/0", "."), out var firstCall);
        var calls = new List<Task<HttpResponseMessage>> { firstCall };
        for (var i = 0; i < blocks.Length; i++)
        {
            var request = await connection.ReadRequestAsync();
            var block = Convert.FromHexString(blocks[i]);
            // The first block is split over HEADERS and CONTINUATION.
            var cut = i == 0 ? 20 : block.Length;
            await connection.WriteFrameAsync(Http2FrameType.Headers, (byte)(Http2Flags.EndStream | (cut == block.Length ? Http2Flags.EndHeaders : 0)), request.StreamId, block.AsSpan(0, cut));
            if (cut < block.Length)
            {
                await connection.WriteFrameAsync(Http2FrameType.Continuation, Http2Flags.EndHeaders, request.StreamId, block.AsSpan(cut));
            }

            responses.Add(await calls[i].WaitAsync(Patience));
            if (i + 1 < blocks.Length)
            {
                calls.Add(Send($"/{i + 1}", "."));
            }
        }

        Assert.Equal([302, 307, 200], responses.Select(r => (int)r.StatusCode));
        Assert.Equal("private", responses[1].Headers.CacheControl?.ToString());
        Assert.Equal("https://www.example.com/", responses[1].Headers.Location?.ToString());
        Assert.Equal("Mon, 21 Oct 2013 20:13:22 GMT", responses[2].Headers.NonValidated["date"].ToString());
        Assert.Equal("gzip", responses[2].Content.Headers.ContentEncoding.Single());
        Assert.Equal("foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", responses[2].Headers.NonValidated["set-cookie"].ToString());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task ProtocolViolation_FailsTheConnection_WithGoAway()
    {
        var call = Send("/v", "x");
        using var connection = await _server.AcceptAsync();
        var request = await connection.ReadRequestAsync();

        // DATA before any HEADERS on an open stream is a stream error; a frame on stream 0 that must not be is a connection error.
        await connection.WriteFrameAsync(Http2FrameType.Data, 0, 0, "bad"u8);
        var (goAway, payload) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway);

        Assert.Equal((uint)Http2ErrorCode.ProtocolError, BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)));
        Assert.Equal(0, goAway.StreamId);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => call);
        Assert.Equal(HttpRequestError.HttpProtocolError, error.HttpRequestError);
        Assert.True(request.StreamId > 0);
    }

    [Theory]
    [InlineData(0, 0x1)] // PROTOCOL_ERROR
    [InlineData(int.MaxValue, 0x3)] // FLOW_CONTROL_ERROR: the window passes 2^31 - 1
    public async Task StreamWindowUpdateViolation_ResetsTheStream_AndFailsTheCallAtOnce(int increment, int expected)
    {
        // A stream error (not a connection error): the stream is reset and its caller told, not left waiting.
        var call = Send("/w", "x");
        using var connection = await _server.AcceptAsync();
        var request = await connection.ReadRequestAsync();

        await connection.WriteWindowUpdateAsync(request.StreamId, increment);
        var (reset, payload) = await connection.ReadUntilAsync(f => f.Type == Http2FrameType.RstStream);

        Assert.Equal((request.StreamId, (uint)expected), (reset.StreamId, BinaryPrimitives.ReadUInt32BigEndian(payload)));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => call.WaitAsync(Patience));
        Assert.Equal((long)expected, Assert.IsType<HttpProtocolException>(error.InnerException).ErrorCode);
    }

    [Fact]
    public async Task ProtocolViolation_WhileASendIsBlocked_GoAwayFollowsTheSend()
    {
        // The server stops reading while a large body is on its way, so the client's send is still in progress
        // when the connection fails: its GOAWAY must go out after that send instead of being dropped with it.
        var call = Send("/big", new string('b', 32 * 1024 * 1024));
        using var connection = await _server.AcceptAsync((Http2SettingId.InitialWindowSize, int.MaxValue));
        await connection.WriteWindowUpdateAsync(0, int.MaxValue - 65535);
        // Some of the body has arrived unread, so the send has begun, and nearly all of the 32 MiB is still to go.
        await Infrastructure.Poll.UntilAsync(() => connection.Unread >= 32 * 1024, "the body's send to begin", Patience);

        await connection.WriteFrameAsync(Http2FrameType.Data, 0, 0, "bad"u8);
        var data = 0L;
        var (goAway, payload) = await connection.ReadUntilAsync(f =>
        {
            data += f.Type == Http2FrameType.Data ? f.Length : 0;
            return f.Type == Http2FrameType.GoAway;
        });

        Assert.Equal((uint)Http2ErrorCode.ProtocolError, BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)));
        Assert.Equal(0, goAway.StreamId);
        Assert.True(data > 0, "the body's send had started before the violation");
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => call);
        Assert.Equal(HttpRequestError.HttpProtocolError, error.HttpRequestError);
    }

    private Task<ScriptedConnection> AcceptAfterAsync(Task<HttpResponseMessage> call, out Task<HttpResponseMessage> sent)
    {
        sent = call;
        return _server.AcceptAsync();
    }

    private Task<HttpResponseMessage> Send(string path, string body)
    {
        var content = new StringContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Url, path)) { Version = HttpVersion.Version20, Content = content };
        return _client.SendAsync(request, CancellationToken.None);
    }

    private static async Task<string> BodyAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call.WaitAsync(Patience);
        return await response.Content.ReadAsStringAsync();
    }
}
