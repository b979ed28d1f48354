using System.Buffers;
using System.Net;
using System.Threading.Channels;
using Inference.Grpc.Server;
using Inference.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Tests;

/// <summary>
/// A bare Kestrel h2c endpoint (no gRPC runtime) that keeps every request's path, encoding headers and raw
/// body, and answers any POST with one <c>EchoReply { message = "recorded" }</c> and OK: the client's bytes
/// as they were sent, not as our server would read them.
/// </summary>
internal sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _listen;
    private readonly Channel<RecordedRequest> _requests = Channel.CreateUnbounded<RecordedRequest>();

    private RecordingServer(WebApplication app, ListenOptions listen)
    {
        _app = app;
        _listen = listen;
    }

    public Uri Address => new($"http://127.0.0.1:{_listen.IPEndPoint!.Port}");

    public static async Task<RecordingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, l => { l.UseGrpc(); listen = l; }));
        var app = builder.Build();
        var server = new RecordingServer(app, listen!);
        app.Run(server.RecordAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The next request received (in arrival order).</summary>
    public async Task<RecordedRequest> NextAsync() =>
        await _requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task RecordAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers;
        _requests.Writer.TryWrite(new RecordedRequest(
            context.Request.Path.Value ?? string.Empty,
            headers["grpc-encoding"].FirstOrDefault(),
            headers["grpc-accept-encoding"].FirstOrDefault(),
            body.ToArray()));

        context.Response.ContentType = "application/grpc";
        var reply = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(reply, new EchoReply { Message = "recorded" });
        await context.Response.BodyWriter.WriteAsync(reply.WrittenMemory);
        context.Features.Get<IHttpResponseTrailersFeature>()!.Trailers["grpc-status"] = "0";
    }
}
