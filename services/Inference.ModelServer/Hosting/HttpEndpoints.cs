using System.Text.Json;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// The HTTP/1.1 port: <c>/metrics</c> (OpenTelemetry's Prometheus exporter), <c>/healthz</c> (alive) and
/// <c>/readyz</c> (warmed up and not draining).
/// </summary>
internal static class HttpEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, InferenceModel model, ServerState state, InferenceEngine engine)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        endpoints.MapGet("/healthz", static () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", (HttpContext context) =>
        {
            var status = state.Status;
            context.Response.StatusCode = state.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            var body = JsonSerializer.SerializeToUtf8Bytes(new ReadyBody(
                status, model.Name, model.Version, model.Sha256, InferenceModel.Platform, engine.IsBatching, engine.InFlight),
                ReadyBodyContext.Default.ReadyBody);
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
    }
}
