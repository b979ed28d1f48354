using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Inference.Router.Http2;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.Router.Tests.Http2;

/// <summary>The built-in HTTP/2 client against real Kestrel h2c servers.</summary>
public sealed class Http2HandlerKestrelTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unary_CarriesHeadersBodyAndTrailers_BothWays()
    {
        IHeaderDictionary? seen = null;
        string? seenPath = null;
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            seen = context.Request.Headers;
            seenPath = context.Request.Path + context.Request.QueryString;
            var body = await ReadAllAsync(context.Request.Body);
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["x-length"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.DeclareTrailer("grpc-status");
            await context.Response.Body.WriteAsync(body.Reverse().ToArray());
            context.Response.AppendTrailer("grpc-status", "0");
            context.Response.AppendTrailer("x-trailer", "done");
        });
        using var client = NewClient();
        using var request = Post(server.Url, "/svc/Method?x=1", [1, 2, 3, 4, 5]);
        request.Headers.TryAddWithoutValidation("X-User-Id", "user-7");
        request.Headers.TryAddWithoutValidation("te", "trailers");

        using var response = await client.SendAsync(request, CancellationToken.None);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal([5, 4, 3, 2, 1], body);
        Assert.Equal("5", Single(response.Headers, "x-length"));
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
        Assert.Equal("done", Single(response.TrailingHeaders, "x-trailer"));
        Assert.Equal("/svc/Method?x=1", seenPath);
        Assert.Equal("user-7", seen!["x-user-id"].ToString());
        Assert.Equal("application/grpc", seen["content-type"].ToString());
        Assert.Equal("trailers", seen["te"].ToString());
        Assert.Equal($"127.0.0.1:{server.Url.Port}", seen["Host"].ToString());
    }

    [Fact]
    public async Task TrailersOnlyResponse_HasItsStatusInTheHeaders_AndAnEmptyBody()
    {
        await using var server = await H2TestServer.StartAsync(context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "5";
            context.Response.Headers["grpc-message"] = "no such model";
            return Task.CompletedTask;
        });
        using var client = NewClient();
        using var request = Post(server.Url, "/svc/Method", [0]);

        using var response = await client.SendAsync(request, CancellationToken.None);

        Assert.Equal("5", Single(response.Headers, "grpc-status"));
        Assert.Equal("no such model", Single(response.Headers, "grpc-message"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task StreamsBeyondTheServersLimit_OpenMoreConnections_AndAllSucceed()
    {
        const int Calls = 8;
        var perConnection = new ConcurrentDictionary<string, int>();
        var maxPerConnection = 0;
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            var open = perConnection.AddOrUpdate(context.Connection.Id, 1, (_, n) => n + 1);
            InterlockedMax(ref maxPerConnection, open);
            if (Interlocked.Increment(ref arrived) == Calls)
            {
                allArrived.TrySetResult();
            }

            // Every call is held until all are in: only possible with enough connections.
            await allArrived.Task.WaitAsync(Patience);
            perConnection.AddOrUpdate(context.Connection.Id, 0, (_, n) => n - 1);
            await context.Response.WriteAsync("ok");
        }, limits => limits.Http2.MaxStreamsPerConnection = 2);
        using var handler = new Http2Handler();
        using var client = new HttpMessageInvoker(handler);

        var calls = Enumerable.Range(0, Calls).Select(async _ =>
        {
            using var request = Post(server.Url, "/", [1]);
            using var response = await client.SendAsync(request, CancellationToken.None);
            return await response.Content.ReadAsStringAsync();
        }).ToList();
        var answers = await Task.WhenAll(calls).WaitAsync(Patience);

        Assert.All(answers, a => Assert.Equal("ok", a));
        Assert.True(perConnection.Count >= Calls / 2, $"{perConnection.Count} connections for {Calls} held calls at 2 streams each");
        Assert.True(maxPerConnection <= 2, $"{maxPerConnection} streams on one connection above the server's limit of 2");
        Assert.Equal(perConnection.Count, handler.ConnectionCount("127.0.0.1", server.Url.Port));
    }

    [Fact]
    public async Task LargeBodiesBothWays_BeyondEveryFlowControlWindow_ArriveIntact()
    {
        var requestBody = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var responseBody = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            var body = await ReadAllAsync(context.Request.Body);
            context.Response.Headers["x-sha"] = Convert.ToHexString(SHA256.HashData(body));
            // Written in pieces, so the client's stream window must reopen many times.
            for (var offset = 0; offset < responseBody.Length; offset += 100_000)
            {
                await context.Response.Body.WriteAsync(responseBody.AsMemory(offset, Math.Min(100_000, responseBody.Length - offset)));
            }
        }, limits =>
        {
            limits.Http2.InitialConnectionWindowSize = 65535;
            limits.Http2.InitialStreamWindowSize = 65535;
        });
        using var client = NewClient(new Http2HandlerOptions { StreamWindow = 65535, ConnectionWindow = 65535 });
        using var request = Post(server.Url, "/", requestBody);

        using var response = await client.SendAsync(request, CancellationToken.None).WaitAsync(Patience);
        var received = await ReadAllAsync(await response.Content.ReadAsStreamAsync(), readSize: 7000).WaitAsync(Patience);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(requestBody)), Single(response.Headers, "x-sha"));
        Assert.Equal(responseBody.Length, received.Length);
        Assert.True(responseBody.AsSpan().SequenceEqual(received), "the response body differs");
    }

    [Fact]
    public async Task ServerReset_BeforeTheResponse_FailsTheCall_WithItsErrorCode()
    {
        await using var server = await H2TestServer.StartAsync(context =>
        {
            context.Features.Get<IHttpResetFeature>()!.Reset(0x2);
            return Task.CompletedTask;
        });
        using var client = NewClient();
        using var request = Post(server.Url, "/", [1, 2]);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None));

        var protocol = Assert.IsType<HttpProtocolException>(error.InnerException);
        Assert.Equal(0x2, protocol.ErrorCode);
    }

    [Fact]
    public async Task ServerReset_InTheMiddleOfTheBody_FailsTheRead()
    {
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            await context.Response.Body.WriteAsync(new byte[1000]);
            await context.Response.Body.FlushAsync();
            context.Features.Get<IHttpResetFeature>()!.Reset(0x8);
        });
        using var client = NewClient();
        using var request = Post(server.Url, "/", [1]);

        using var response = await client.SendAsync(request, CancellationToken.None);
        var body = await response.Content.ReadAsStreamAsync();

        var error = await Assert.ThrowsAnyAsync<IOException>(() => ReadAllAsync(body));
        Assert.Equal(0x8, Assert.IsType<HttpProtocolException>(error).ErrorCode);
    }

    [Fact]
    public async Task Cancellation_ResetsTheStream_AndTheConnectionStaysUsable()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/hold")
            {
                started.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    aborted.TrySetResult();
                }

                return;
            }

            await context.Response.WriteAsync("fine");
        });
        using var handler = new Http2Handler();
        using var client = new HttpMessageInvoker(handler);
        using var cancel = new CancellationTokenSource();
        using var held = Post(server.Url, "/hold", [1]);

        var call = client.SendAsync(held, cancel.Token);
        await started.Task.WaitAsync(Patience);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await aborted.Task.WaitAsync(Patience);
        using var next = Post(server.Url, "/next", [1]);
        using var response = await client.SendAsync(next, CancellationToken.None);
        Assert.Equal("fine", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, handler.ConnectionCount("127.0.0.1", server.Url.Port));
    }

    [Fact]
    public async Task BodyThatIsStillArriving_SendsTheHeadersFirst_ThenStreamsTheRest()
    {
        var serverSawHeaders = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await H2TestServer.StartAsync(async context =>
        {
            serverSawHeaders.TrySetResult();
            var body = await ReadAllAsync(context.Request.Body);
            await context.Response.WriteAsync(System.Text.Encoding.ASCII.GetString(body));
        });
        using var client = NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, "/stream"))
        {
            Version = HttpVersion.Version20,
            // The second half is written only once the server has started the call.
            Content = new GatedContent("first,", "second", serverSawHeaders.Task),
        };

        using var response = await client.SendAsync(request, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal("first,second", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RefusedConnection_IsAConnectionError_CarryingTheSocketError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = NewClient();
        using var request = Post(new Uri($"http://127.0.0.1:{port}"), "/", [1]);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task GracefulShutdownUnderLoad_EveryCallIsAnsweredOrWasNeverProcessed()
    {
        var processed = 0;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await H2TestServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref processed) == 50)
            {
                running.TrySetResult();
            }

            await ReadAllAsync(context.Request.Body);
            await context.Response.WriteAsync("ok");
        });
        await using var serverLifetime = server;
        using var client = NewClient();
        var succeeded = 0;
        var failures = new ConcurrentBag<HttpRequestException>();
        using var stop = new CancellationTokenSource();

        var loops = Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 5000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var request = Post(server.Url, "/", new byte[64]);
                    using var response = await client.SendAsync(request, CancellationToken.None);
                    Assert.Equal("ok", await response.Content.ReadAsStringAsync());
                    Interlocked.Increment(ref succeeded);
                }
                catch (HttpRequestException ex)
                {
                    failures.Add(ex);
                    return;
                }
            }
        }).ToList();
        await running.Task.WaitAsync(Patience);
        await server.StopAsync(Patience);
        await stop.CancelAsync();
        await Task.WhenAll(loops).WaitAsync(Patience);

        // Every call the server processed was answered, and a call that failed was never processed:
        // it found the listener gone (connection refused) or was turned away unprocessed.
        Assert.Equal(Volatile.Read(ref processed), succeeded);
        Assert.All(failures, f => Assert.True(
            f.HttpRequestError == HttpRequestError.ConnectionError || f.InnerException is Http2RefusedException,
            $"a failure that is not 'never processed': {f}"));
    }

    private static HttpMessageInvoker NewClient(Http2HandlerOptions? options = null) => new(new Http2Handler(options));

    private static HttpRequestMessage Post(Uri server, string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        return new HttpRequestMessage(HttpMethod.Post, new Uri(server, path)) { Version = HttpVersion.Version20, Content = content };
    }

    private static string Single(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : throw new Xunit.Sdk.XunitException($"no {name} header");

    private static async Task<byte[]> ReadAllAsync(Stream stream, int readSize = 16 * 1024)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class GatedContent(string first, string second, Task gate) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(first));
            await stream.FlushAsync();
            await gate.WaitAsync(TimeSpan.FromSeconds(30));
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(second));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
