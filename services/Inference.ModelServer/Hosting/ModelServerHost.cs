using System.Net;
using Inference.Contracts.Oip;
using Inference.Grpc.Server;
using Inference.Metrics;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Execution;
using Inference.ModelServer.Model;
using Inference.ModelServer.Services;
using Inference.ModelServer.Tensors;
using Inference.Onnx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// The model server as a host: loads the model, binds the gRPC (h2c) and HTTP/1.1 ports and maps every
/// endpoint. <see cref="Program"/> runs it; tests start it in-process on port 0.
/// </summary>
internal sealed class ModelServerHost : IAsyncDisposable
{
    private const string Service = "/" + InferenceService.ServiceName + "/";
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private ListenOptions? _grpcListen;
    private ListenOptions? _httpListen;

    private readonly TimeProvider _time;

    private ModelServerHost(ModelServerOptions options, TimeProvider time)
    {
        Options = options;
        _time = time;
    }

    public ModelServerOptions Options { get; }

    /// <summary>What the process exits with once the host has stopped: 0, or 1 when the model failed its warm-up.</summary>
    public int ExitCode { get; internal set; }

    /// <summary>Awaited before the warm-up starts (tests hold the server in its warming state with it).</summary>
    internal Func<Task>? BeforeWarmUp { get; set; }

    public WebApplication App { get; private set; } = null!;

    public ServedModel Model { get; private set; } = null!;

    internal InferenceEngine Engine => App.Services.GetRequiredService<InferenceEngine>();

    internal ServerState State => App.Services.GetRequiredService<ServerState>();

    /// <summary>The bound gRPC address (valid once started).</summary>
    public Uri GrpcAddress => AddressOf(_grpcListen);

    /// <summary>The bound HTTP address (valid once started).</summary>
    public Uri HttpAddress => AddressOf(_httpListen);

    /// <summary>
    /// Loads the model and builds the host (nothing is bound until <see cref="StartAsync"/>). Throws when the
    /// model cannot be loaded or served.
    /// </summary>
    public static ModelServerHost Build(ModelServerOptions options, Action<ILoggingBuilder>? configureLogging = null) =>
        Build(options, configureLogging, TimeProvider.System);

    /// <inheritdoc cref="Build(ModelServerOptions, Action{ILoggingBuilder}?)"/>
    internal static ModelServerHost Build(ModelServerOptions options, Action<ILoggingBuilder>? configureLogging, TimeProvider time)
    {
        var address = ParseHost(options.Host);
        var host = new ModelServerHost(options, time);
        var model = ServedModel.Load(options);
        try
        {
            host.Model = model;
            host.App = host.CreateApp(address, configureLogging);
            return host;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    public Task RunAsync(CancellationToken cancellationToken = default) => App.RunAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }

    private WebApplication CreateApp(IPAddress address, Action<ILoggingBuilder>? configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (configureLogging is null)
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // With this category enabled at any level, ASP.NET Core hosting starts an Activity and a log scope for
            // every request (~0.7 KB and ~0.9 µs of CPU per call); at Warning it logs nothing but startup failures,
            // which surface as exceptions anyway. A caller that configures logging itself decides for itself.
            builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        }
        else
        {
            configureLogging(builder.Logging);
        }

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = Options.DrainTimeout);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Request size is bounded per message by --max-receive-message-size instead.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Listen(address, Options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                _grpcListen = listen;
            });
            kestrel.Listen(address, Options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                _httpListen = listen;
            });
        });

        var services = builder.Services;
        services.AddSingleton(this);
        services.AddSingleton(Options);
        services.AddSingleton(Model);
        services.AddSingleton(_time);
        services.AddGrpcServer(grpc => grpc.MaxReceiveMessageSize = Options.MaxReceiveMessageSize);
        services.AddGrpcHealthService();
        services.AddPrometheusExporter(ModelServerMetrics.MeterName);
        services.AddSingleton<ModelServerMetrics>();
        services.AddSingleton<ServerState>();
        services.AddSingleton<InferenceEngine>();
        services.AddSingleton<InferenceService>();
        services.AddHostedService<ModelServerLifecycle>();

        var app = builder.Build();
        // ONNX Runtime's own messages join this log as single lines (its console logger would colour them).
        var onnxLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Inference.Onnx");
        OnnxRuntimeLog.Sink = (severity, category, message) =>
            ModelServerLog.OnnxRuntimeMessage(onnxLogger, ToLogLevel(severity), category, message);
        // The exporter listens from its construction on: create it now, not at the first scrape.
        _ = app.Services.GetRequiredService<PrometheusExporter>();
        var engine = app.Services.GetRequiredService<InferenceEngine>();
        var state = app.Services.GetRequiredService<ServerState>();
        var service = app.Services.GetRequiredService<InferenceService>();
        ModelServerLog.ModelLoaded(
            app.Services.GetRequiredService<ILogger<ModelServerHost>>(),
            Model.Name, Model.Version, Model.Sha256, Model.Path,
            string.Join(", ", Model.Inputs.Select(i => i.Description)),
            string.Join(", ", Model.Outputs.Select(o => o.Description)),
            engine.IsBatching,
            OnnxRuntime.Version,
            OnnxRuntime.LibraryPath,
            Model.Session.Options.ExecutionProvider);

        app.UseMiddleware<InferenceCallMiddleware>();
        app.MapGrpcUnary<ServerLiveRequest, ServerLiveResponse>(Service + "ServerLive", service.ServerLiveAsync);
        app.MapGrpcUnary<ServerReadyRequest, ServerReadyResponse>(Service + "ServerReady", service.ServerReadyAsync);
        app.MapGrpcUnary<ModelReadyRequest, ModelReadyResponse>(Service + "ModelReady", service.ModelReadyAsync);
        app.MapGrpcUnary<ServerMetadataRequest, ServerMetadataResponse>(Service + "ServerMetadata", service.ServerMetadataAsync);
        app.MapGrpcUnary<ModelMetadataRequest, ModelMetadataResponse>(Service + "ModelMetadata", service.ModelMetadataAsync);
        app.MapGrpcUnary<ModelInferRequest, InferResponse>(Service + "ModelInfer", service.ModelInferAsync);
        app.MapGrpcHealthService();
        HttpEndpoints.Map(app, Model, state, engine);
        return app;
    }

    private static Uri AddressOf(ListenOptions? listen)
    {
        if (listen?.IPEndPoint is not { Port: > 0 } endpoint)
        {
            throw new InvalidOperationException("The server has not been started.");
        }

        return new Uri($"http://{endpoint}");
    }

    private static LogLevel ToLogLevel(OnnxLogSeverity severity) => severity switch
    {
        OnnxLogSeverity.Verbose => LogLevel.Debug,
        OnnxLogSeverity.Info => LogLevel.Information,
        OnnxLogSeverity.Warning => LogLevel.Warning,
        OnnxLogSeverity.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    private static IPAddress ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(host, out var address)
            ? address
            : throw new ArgumentException($"--host must be an IP address (or localhost), not '{host}'.");
    }
}
