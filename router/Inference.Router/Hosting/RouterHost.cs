using System.Net;
using Inference.Router.Admin;
using Inference.Router.Configuration;
using Inference.Router.Guard;
using Inference.Router.Metrics;
using Inference.Router.Predictions;
using Inference.Router.Proxy;
using Inference.Router.Statistics;
using Inference.Router.Routing;
using Inference.Router.Services;
using Inference.Router.Shadow;
using Inference.Router.Upstream;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inference.Router.Hosting;

/// <summary>
/// One router: a Kestrel server with the gRPC port (h2c: the router's own gRPC services, the forwarded calls, and the
/// proxy as the fallback for every other path) and the admin port (HTTP/1.1: admin API, metrics, probes), plus the
/// background work.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    // With this category enabled at any level, ASP.NET Core starts an Activity and a log scope for every request; at
    // Warning it logs nothing the router needs. Tracing, when on, starts its own activities.
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _background = [];

    private RouterHost(WebApplication app, string grpcUrl, string adminUrl)
    {
        _app = app;
        GrpcUrl = grpcUrl;
        AdminUrl = adminUrl;
    }

    public string GrpcUrl { get; }

    public string AdminUrl { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds, loads the configuration (an invalid one throws <see cref="RouterConfigException"/>), and starts listening.</summary>
    public static async Task<RouterHost> StartAsync(RouterOptions options, CancellationToken cancellationToken)
    {
        var listenAddress = ParseHost(options.Host);
        var adminAddress = options.AdminToken is null ? IPAddress.Loopback : listenAddress;
        ListenOptions? grpcListen = null;
        ListenOptions? adminListen = null;
        var ports = new ListenerPorts();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The proxy logs its own upstream failures with the model and version.
        builder.Logging.AddFilter("Yarp", LogLevel.Error);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Logging.AddFilter(HostingDiagnostics, LogLevel.None);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(25) + options.DrainDelay);

        // Continuations of socket reads run on the I/O thread instead of hopping to the thread pool: the proxy's
        // request path never blocks, and on a small node the hops dominate its cost.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Bodies are streamed to the upstream; the peek makes the per-request limits read-only, so the forwarder
            // cannot lift them itself.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            // Deliberate limits (router/README.md, "Limits and how to size them"): calls at once per connection,
            // connections at once, header sizes, and keep-alive pings that find dead peers behind silent connections.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MaxConcurrentConnections = options.Limits.MaxConnections;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = 16 * 1024;
            kestrel.Limits.Http2.HeaderTableSize = 4096;
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(60);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(5);
            // Request bytes an upstream has not taken yet wait here, on the (capped) managed heap: the connection
            // window bounds them per client connection, the stream window per call. 4 MiB / 1 MiB let 32 connections
            // of stalled large uploads exhaust the heap; unary calls of any size still stream through, as the window
            // reopens as fast as the upstream reads.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 256 * 1024;
            kestrel.Listen(listenAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpcListen = listen;
            });
            kestrel.Listen(adminAddress, options.AdminPort, listen =>
            {
                // Cleartext HTTP/2 would need prior knowledge on a port curl and Prometheus speak HTTP/1.1 to.
                listen.Protocols = HttpProtocols.Http1;
                adminListen = listen;
            });
        });

        var services = builder.Services;
        services.AddRouting();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy>(new ListenerMatcherPolicy(ports)));
        // Unknown services and methods fall through to the proxy's fallback, which answers UNIMPLEMENTED itself.
        services.AddGrpc(grpc => grpc.IgnoreUnknownServices = true);
        services.AddHttpForwarder();
        services.AddRouterTelemetry(options.Tracing, ports);
        services.AddSingleton(options.Time);
        services.AddSingleton(options.Random);
        services.AddSingleton<ChangeSignal>();
        services.AddSingleton<RouterMetrics>();
        services.AddSingleton(provider => new UpstreamRegistry(options.Time, provider.GetRequiredService<ChangeSignal>(), provider.GetRequiredService<ILogger<UpstreamRegistry>>(), options.Resolve));
        services.AddSingleton(provider => new RouterState(
            provider.GetRequiredService<UpstreamRegistry>(),
            options.StateFile is null ? null : new StateStore(options.StateFile, options.Limits.MaxStateBytes),
            provider.GetRequiredService<RouterMetrics>(),
            options.Time,
            provider.GetRequiredService<ChangeSignal>(),
            provider.GetRequiredService<ILogger<RouterState>>()));
        services.AddSingleton(provider => new ExperimentResults(
            provider.GetRequiredService<RouterState>(),
            options.StateFile is null ? null : ResultsStore.Beside(options.StateFile),
            provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            options.Time,
            provider.GetRequiredService<ILogger<ExperimentResults>>()));
        services.AddSingleton<OutcomesService>();
        services.AddSingleton(provider => new RouterPredictionLog(options, provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<RouterReadiness>();
        services.AddSingleton<RouterServerService>();
        services.AddSingleton<RouterHealthService>();
        services.AddSingleton(options.Limits);
        services.AddSingleton<GuardMetrics>();
        services.AddSingleton<GuardMonitor>();
        services.AddSingleton<ShadowMetrics>();
        services.AddSingleton<ShadowSender>();
        services.AddSingleton<GrpcProxy>();
        var auth = new AdminAuth(options.AdminToken);
        services.AddSingleton(auth);
        services.AddSingleton<AdminApi>();
        services.AddSingleton(provider => new ConfigFileWatcher(
            options.ConfigPath,
            options.Limits.MaxConfigBytes,
            provider.GetRequiredService<RouterState>(),
            provider.GetRequiredService<RouterMetrics>(),
            options.Time,
            options.ConfigPollInterval,
            provider.GetRequiredService<ILogger<ConfigFileWatcher>>()));
        // Its StoppingAsync runs before Kestrel is asked to stop: the listeners keep accepting during the delay.
        services.AddHostedService(provider => new DrainDelayService(options.DrainDelay, provider.GetRequiredService<RouterReadiness>(), provider.GetRequiredService<ILogger<DrainDelayService>>()));

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Inference.Router");
        if (options.AdminToken is null)
        {
            HostLog.AdminLoopbackOnly(logger);
        }

        // The meter provider listens from now on: measurements before it exists would be lost.
        app.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        var watcher = app.Services.GetRequiredService<ConfigFileWatcher>();
        await watcher.LoadInitialAsync(cancellationToken);

        var proxy = app.Services.GetRequiredService<GrpcProxy>();
        app.UseRouting();
        app.MapGrpcService<RouterServerService>().WithMetadata(ListenerMetadata.Grpc);
        app.MapGrpcService<RouterHealthService>().WithMetadata(ListenerMetadata.Grpc);
        app.MapGrpcService<OutcomesService>().WithMetadata(ListenerMetadata.Grpc);
        foreach (var method in GrpcMethods.Forwarded)
        {
            // The service base binds these methods too (as UNIMPLEMENTED); the proxy's routes come first.
            app.Map(GrpcMethods.Path(method), proxy.Forward(method)).WithOrder(-1).WithMetadata(ListenerMetadata.Grpc);
        }

        app.MapFallback(proxy.FallbackAsync).WithMetadata(ListenerMetadata.Grpc);
        app.Services.GetRequiredService<AdminApi>().Map(app);

        var readiness = app.Services.GetRequiredService<RouterReadiness>();
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            HostLog.Draining(logger);
            readiness.Stopping();
        });

        await app.StartAsync(cancellationToken);
        ports.Admin = adminListen!.IPEndPoint!.Port;
        var grpcUrl = Url(grpcListen!.IPEndPoint!);
        var adminUrl = Url(adminListen.IPEndPoint!);
        var host = new RouterHost(app, grpcUrl, adminUrl);
        host._background.Add(app.Services.GetRequiredService<UpstreamRegistry>().RunAsync(host._stopping.Token));
        host._background.Add(watcher.RunAsync(host._stopping.Token));
        host._background.Add(app.Services.GetRequiredService<ExperimentResults>().RunAsync(options.ResultsSaveInterval, host._stopping.Token));
        if (options.AdminTokenFile is not null)
        {
            var tokenWatcher = new AdminTokenWatcher(options.AdminTokenFile, auth, options.Time, options.ConfigPollInterval, app.Services.GetRequiredService<ILogger<AdminTokenWatcher>>());
            host._background.Add(RunThenDispose(tokenWatcher, tokenWatcher.RunAsync(host._stopping.Token)));
        }

        HostLog.Listening(logger, grpcUrl, adminUrl);
        return host;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken);
        await _stopping.CancelAsync();
        await Task.WhenAll(_background);
        // After the last call has drained: its outcomes and assignments are in the file.
        _app.Services.GetRequiredService<ExperimentResults>().Save();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync();
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private static async Task RunThenDispose(IDisposable owner, Task running)
    {
        using (owner)
        {
            await running;
        }
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "" => IPAddress.Any,
        _ when IPAddress.TryParse(host, out var address) => address,
        _ => throw new UsageException($"--host must be an IP address or 'localhost', not '{host}'"),
    };

    private static string Url(IPEndPoint endpoint) =>
        endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{endpoint.Address}]:{endpoint.Port}"
            : $"http://{endpoint.Address}:{endpoint.Port}";
}
