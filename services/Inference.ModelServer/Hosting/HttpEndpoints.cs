using System.Text.Json;
using Inference.Metrics;
using Inference.ModelServer.Execution;
using Inference.ModelServer.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Inference.ModelServer.Hosting;

/// <summary>The HTTP/1.1 port: <c>/metrics</c>, <c>/healthz</c> (alive) and <c>/readyz</c> (warmed up and not draining).</summary>
internal static class HttpEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, ServedModel model, ServerState state, InferenceEngine engine)
    {
        endpoints.MapPrometheusMetrics("/metrics");
        endpoints.MapGet("/healthz", static () => Results.Text("ok\n"));
        endpoints.MapGet("/readyz", (HttpContext context) =>
        {
            var status = state.Status;
            context.Response.StatusCode = state.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            var body = JsonSerializer.SerializeToUtf8Bytes(new ReadyBody(
                status, model.Name, model.Version, model.Sha256, ServedModel.Platform, engine.IsBatching, engine.InFlight),
                ReadyBodyContext.Default.ReadyBody);
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
    }
}
