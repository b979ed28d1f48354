using System.Diagnostics.Metrics;
using System.Net;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.AspNetCore.Server.Model;
using Grpc.HealthCheck;
using Grpc.Reflection;
using Inference.Contracts.Oip;
using Inference.Engine.Diagnostics;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Inference.Engine.Runtime;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Health;
using Inference.ModelServer.Memory;
using Inference.ModelServer.PredictionLog;
using Inference.ModelServer.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// The model server as a host: loads the model, binds the gRPC (h2c) and HTTP/1.1 ports and maps every
/// endpoint. <see cref="Program"/> runs it; tests start it in-process on port 0.
/// </summary>
internal sealed class ModelServerHost : IAsyncDisposable
{
    /// <summary>The standard variable that turns on span export over OTLP (its value is the collector's address).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private ListenOptions? _grpcListen;
    private ListenOptions? _httpListen;

    private readonly TimeProvider _time;
    private IDisposable? _onnxLogSink;

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

    public InferenceModel Model { get; private set; } = null!;

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
    /// <param name="configureTracing">
    /// Turns tracing on (as <see cref="OtlpEndpointVariable"/> does) and adds to it, e.g. a test's in-memory exporter.
    /// </param>
    internal static ModelServerHost Build(
        ModelServerOptions options, Action<ILoggingBuilder>? configureLogging, TimeProvider time, Action<TracerProviderBuilder>? configureTracing = null)
    {
        var address = ParseHost(options.Host);
        var host = new ModelServerHost(options, time);
        var model = InferenceModel.Load(options.ModelPath, options.ModelName, options.ModelVersion, options.ToModelOptions());
        try
        {
            host.Model = model;
            host.App = host.CreateApp(address, configureLogging, configureTracing);
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
        _onnxLogSink?.Dispose();
        Model.Dispose();
    }

    private WebApplication CreateApp(IPAddress address, Action<ILoggingBuilder>? configureLogging, Action<TracerProviderBuilder>? configureTracing)
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
            AddLogFilters(builder.Logging);
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
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = Options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = null;
        });
        // Reflection serves the descriptors of what is mapped below (grpcurl, Postman), in both protocol versions.
        ProtoServiceDescriptor[] served = [GRPCInferenceService.Descriptor, Grpc.Health.V1.Health.Descriptor];
        services.AddSingleton(new ReflectionServiceImpl([.. served, Grpc.Reflection.V1Alpha.ServerReflection.Descriptor]));
        services.AddSingleton(new ReflectionV1ServiceImpl([.. served, Grpc.Reflection.V1.ServerReflection.Descriptor]));
        services.AddSingleton<HealthServiceImpl>();
        services.AddSingleton<DrainingHealthService>();
        var availableMemory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var budgetLimit = Options.MaxInFlightBytes > 0 ? Options.MaxInFlightBytes : MemoryBudget.DefaultLimit(availableMemory);
        // Kestrel takes its memory pools from this factory, so that a trim can empty them.
        services.AddSingleton<BlockPoolFactory>();
        services.AddSingleton<IMemoryPoolFactory<byte>>(provider => provider.GetRequiredService<BlockPoolFactory>());
        services.AddSingleton(provider => new MemoryBudget(
            budgetLimit, provider.GetRequiredService<BlockPoolFactory>(), _time, provider.GetRequiredService<ILogger<MemoryBudget>>()));
        services.AddSingleton<ModelServerMetrics>();
        services.AddSingleton<ServerState>();
        services.AddSingleton(provider => new InferenceEngine(
            Model, Options.ToEngineOptions(), provider.GetRequiredService<IMeterFactory>(), _time, provider.GetRequiredService<ILogger<InferenceEngine>>()));
        services.AddSingleton(provider => new ModelServerPredictionLog(Options, provider.GetRequiredService<IMeterFactory>(), _time, Options.PredictionLogSink));
        services.AddSingleton<InferenceService>();
        services.AddSingleton<InferenceEndpoint>();
        services.AddSingleton<IServiceMethodProvider<InferenceEndpoint>, InferenceMethodProvider>();
        services.AddHostedService<ModelServerLifecycle>();
        AddTelemetry(services, configureTracing);

        var app = builder.Build();
        // ONNX Runtime's own messages join this log as single lines.
        var onnxLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Inference.Engine.OnnxRuntime");
        Action<LogLevel, string, string> sink = (level, category, message) => ModelServerLog.OnnxRuntimeMessage(onnxLogger, level, category, message);
        // This model's messages reach this host's log; the environment's own (no session) reach the last host's.
        _onnxLogSink = OnnxRuntimeEnvironment.AddSink(Model.LogId, sink);
        OnnxRuntimeEnvironment.Sink = sink;
        var engine = app.Services.GetRequiredService<InferenceEngine>();
        var state = app.Services.GetRequiredService<ServerState>();
        var logger = app.Services.GetRequiredService<ILogger<ModelServerHost>>();
        ModelServerLog.ModelLoaded(
            logger,
            Model.Name, Model.Version, Model.Sha256, Model.Path,
            string.Join(", ", Model.Inputs.Select(i => i.Description)),
            string.Join(", ", Model.Outputs.Select(o => o.Description)),
            engine.IsBatching,
            OnnxRuntimeEnvironment.Version,
            Model.Options.ExecutionProvider);
        ModelServerLog.MemoryBudget(
            logger, budgetLimit, Options.MaxInFlightBytes > 0 ? "--max-in-flight-bytes" : "a quarter of the memory the GC may use",
            Options.MaxReceiveMessageSize, availableMemory, NativeHeap.KeepLargeBlocksApart());
        if (budgetLimit < Options.MaxReceiveMessageSize)
        {
            ModelServerLog.MemoryBudgetBelowMessageSize(logger, budgetLimit, Options.MaxReceiveMessageSize);
        }

        if (Environment.GetEnvironmentVariable(OtlpEndpointVariable) is { Length: > 0 } endpoint)
        {
            ModelServerLog.TracingEnabled(logger, endpoint);
        }

        app.UseMiddleware<InferenceCallMiddleware>();
        app.MapGrpcService<InferenceEndpoint>();
        app.MapGrpcService<DrainingHealthService>();
        app.MapGrpcService<ReflectionServiceImpl>();
        app.MapGrpcService<ReflectionV1ServiceImpl>();
        HttpEndpoints.Map(app, Model, state, engine);
        return app;
    }

    /// <summary>
    /// What the server's own log leaves out (a caller that configures logging itself decides for itself): the
    /// libraries' information about each call (Kestrel's and Grpc.AspNetCore's; a client that goes away mid-call is
    /// theirs to note with a stack trace, ours at debug level without one), and ASP.NET Core hosting's per-request
    /// diagnostics.
    /// </summary>
    internal static void AddLogFilters(ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Grpc.AspNetCore", LogLevel.Warning);
        // With this category enabled at any level, ASP.NET Core hosting starts an Activity and a log scope for
        // every request (~0.7 KB and ~0.9 µs of CPU per call); at Warning it logs nothing but startup failures,
        // which surface as exceptions anyway.
        logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
    }

    /// <summary>
    /// /metrics from OpenTelemetry's Prometheus exporter, listening to the meters this host's own meter factory created
    /// (<see cref="MeterScope.Local"/>: another host in the same process has its own), plus the runtime's; spans of
    /// every call exported over OTLP when <see cref="OtlpEndpointVariable"/> is set.
    /// </summary>
    private void AddTelemetry(IServiceCollection services, Action<TracerProviderBuilder>? configureTracing)
    {
        services.AddMetrics(metrics =>
        {
            metrics.EnableMetrics(ModelServerMetrics.MeterName, null, null, MeterScope.Local);
            metrics.EnableMetrics(EngineMetrics.MeterName, null, null, MeterScope.Local);
        });
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(InferenceService.ServerName, serviceInstanceId: $"{Model.Name}-{Model.Version}"))
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                // Every scrape reads the instruments afresh; a cached answer would hide the last calls from a scrape.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));

        var otlp = Environment.GetEnvironmentVariable(OtlpEndpointVariable) is { Length: > 0 };
        if (otlp || configureTracing is not null)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }

                configureTracing?.Invoke(tracing);
            });
        }
    }

    private static Uri AddressOf(ListenOptions? listen)
    {
        if (listen?.IPEndPoint is not { Port: > 0 } endpoint)
        {
            throw new InvalidOperationException("The server has not been started.");
        }

        return new Uri($"http://{endpoint}");
    }

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
