using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Inference.Router.Tests.Http2;

/// <summary>A Kestrel h2c (prior knowledge) server on 127.0.0.1, port 0, running one request delegate.</summary>
internal sealed class H2TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private H2TestServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<H2TestServer> StartAsync(RequestDelegate handler, Action<KestrelServerLimits>? limits = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            limits?.Invoke(kestrel.Limits);
            kestrel.Listen(IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                listen = l;
            });
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return new H2TestServer(app, new Uri($"http://127.0.0.1:{listen!.IPEndPoint!.Port}"));
    }

    /// <summary>Graceful shutdown: GOAWAY, requests in flight finish (up to <paramref name="timeout"/>).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _app.StopAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
