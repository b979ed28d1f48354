using System.Diagnostics.Metrics;
using Inference.Router.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inference.Router.Hosting;

/// <summary>
/// Metrics and traces through OpenTelemetry. Metrics: the router's meter plus the runtime's and the process's, scraped
/// as Prometheus text from the admin port. Traces: only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, ASP.NET Core
/// and HttpClient spans exported over OTLP, the trace continued to the model servers in W3C trace context.
/// </summary>
internal static class RouterTelemetry
{
    public const string ServiceName = "inference-router";

    /// <summary>The variable that turns tracing on (the OTLP exporter reads it and the other OTEL_* variables).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private const string HealthPath = "/grpc.health.v1.Health";

    public static void AddRouterTelemetry(this IServiceCollection services, bool tracing, ListenerPorts ports)
    {
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName));
        telemetry.WithMetrics(metrics =>
        {
            metrics
                .AddMeter(RouterMetrics.MeterName)
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter(prometheus =>
                {
                    // Every scrape sees the counts of that moment (tests and operators read right after a call).
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    // The series as documented: no otel_scope_* labels, no target_info.
                    prometheus.ScopeInfoEnabled = false;
                    prometheus.TargetInfoEnabled = false;
                });
            ((IDeferredMeterProviderBuilder)metrics).Configure((provider, builder) =>
            {
                // The exporter listens to meters by name in the whole process: a second router in the same process
                // (tests) has its own meter of the same name, from its own factory. Only this host's is exported.
                var own = provider.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument => instrument.Meter.Name == RouterMetrics.MeterName && !ReferenceEquals(instrument.Meter.Scope, own)
                    ? MetricStreamConfiguration.Drop
                    : null);
            });
        });
        if (tracing)
        {
            telemetry.WithTracing(traces => traces
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                    context.Connection.LocalPort != ports.Admin && !context.Request.Path.StartsWithSegments(HealthPath))
                .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath.StartsWith(HealthPath, StringComparison.Ordinal) != true)
                .AddOtlpExporter());
        }
    }
}
