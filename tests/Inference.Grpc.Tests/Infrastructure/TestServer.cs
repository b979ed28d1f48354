using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Inference.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Tests;

/// <summary>A real Kestrel host on 127.0.0.1 with the echo service and health: h2c, HTTP/1.1 and TLS ports.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _h2c;
    private readonly ListenOptions _http1;
    private readonly ListenOptions _tls;

    private TestServer(WebApplication app, ListenOptions h2c, ListenOptions http1, ListenOptions tls, EchoProbe probe, CallObserver observer)
    {
        _app = app;
        _h2c = h2c;
        _http1 = http1;
        _tls = tls;
        Probe = probe;
        Observer = observer;
    }

    public EchoProbe Probe { get; }

    public CallObserver Observer { get; }

    public GrpcHealthService Health => _app.Services.GetRequiredService<GrpcHealthService>();

    public Uri H2cAddress => new($"http://127.0.0.1:{_h2c.IPEndPoint!.Port}");

    public Uri Http1Address => new($"http://127.0.0.1:{_http1.IPEndPoint!.Port}");

    public Uri TlsAddress => new($"https://127.0.0.1:{_tls.IPEndPoint!.Port}");

    public int H2cPort => _h2c.IPEndPoint!.Port;

    /// <summary>Starts a host; like the model server and router, it leaves Kestrel's request limits as they are.</summary>
    public static async Task<TestServer> StartAsync(Action<GrpcServerOptions>? configure = null, Action<KestrelServerOptions>? configureKestrel = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? h2c = null, http1 = null, tls = null;
        var certificate = CreateCertificate();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.UseGrpc(); h2c = listen; });
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http1; http1 = listen; });
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.UseGrpc(certificate); tls = listen; });
            configureKestrel?.Invoke(kestrel);
        });
        builder.Services.AddGrpcServer(configure);
        builder.Services.AddGrpcHealthService();
        var app = builder.Build();
        var observer = new CallObserver();
        app.Use(observer.InvokeAsync);
        var probe = new EchoProbe();
        EchoService.Map(app, probe);
        app.MapGrpcHealthService();
        await app.StartAsync();
        return new TestServer(app, h2c!, http1!, tls!, probe, observer);
    }

    public async ValueTask DisposeAsync()
    {
        // A stubborn handler still waiting would hold the host's shutdown until its timeout.
        Probe.ReleaseStubborn();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
}
