using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Metrics;

public static class PrometheusEndpointExtensions
{
    /// <summary>
    /// Registers a <see cref="PrometheusExporter"/> for the given meters, scoped to this host's
    /// <see cref="IMeterFactory"/>: instruments must be created through that factory.
    /// </summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services, params string[] meterNames)
    {
        services.AddMetrics();
        services.AddSingleton(provider => new PrometheusExporter(provider.GetRequiredService<IMeterFactory>(), meterNames));
        return services;
    }

    /// <summary>Serves the registered exporter's text at <paramref name="pattern"/>.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        return endpoints.MapGet(pattern, static (HttpContext context, PrometheusExporter exporter) =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            return context.Response.WriteAsync(exporter.Collect(), context.RequestAborted);
        });
    }
}
