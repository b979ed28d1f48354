using System.Diagnostics;
using Inference.Grpc;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Inference.ModelServer.Services;

/// <summary>
/// On the gRPC port (HTTP/2): tags every response with <c>x-model-name</c> and <c>x-model-version</c> (also
/// responses the gRPC runtime writes itself, such as oversized or malformed messages), and counts and times
/// the calls of the inference service by their final grpc-status.
/// </summary>
internal sealed class InferenceCallMiddleware(RequestDelegate next, ServedModel model, ModelServerMetrics metrics)
{
    public const string ModelNameHeader = "x-model-name";
    public const string ModelVersionHeader = "x-model-version";

    private const string MethodPrefix = "/" + InferenceService.ServiceName + "/";

    private readonly StringValues _name = new(model.Name);
    private readonly StringValues _version = new(model.Version);

    public Task InvokeAsync(HttpContext context)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            return next(context);
        }

        var headers = context.Response.Headers;
        headers[ModelNameHeader] = _name;
        headers[ModelVersionHeader] = _version;

        var method = MethodLabel(context.Request.Path.Value);
        if (method is null)
        {
            return next(context);
        }

        var start = Stopwatch.GetTimestamp();
        var pending = next(context);
        if (pending.IsCompletedSuccessfully)
        {
            Observe(context, method, start);
            return Task.CompletedTask;
        }

        return AwaitAsync(pending, context, method, start);
    }

    private async Task AwaitAsync(Task pending, HttpContext context, string method, long start)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            Observe(context, method, start);
        }
    }

    private void Observe(HttpContext context, string method, long start)
    {
        // Trailers-only responses carry grpc-status in the headers; the others in the trailers.
        var status = context.Response.Headers.GrpcStatus;
        if (status.Count == 0 && context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers)
        {
            status = trailers.GrpcStatus;
        }

        var code = status.Count > 0 && int.TryParse(status[0], out var parsed)
            ? (StatusCode)parsed
            : context.RequestAborted.IsCancellationRequested ? StatusCode.Cancelled : StatusCode.Unknown;
        metrics.RequestCompleted(method, code, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>The method label for a path of the inference service (a constant string), or null.</summary>
    private static string? MethodLabel(string? path)
    {
        if (path is null || !path.StartsWith(MethodPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return path.AsSpan(MethodPrefix.Length) switch
        {
            "ModelInfer" => "ModelInfer",
            "ModelMetadata" => "ModelMetadata",
            "ModelReady" => "ModelReady",
            "ServerLive" => "ServerLive",
            "ServerReady" => "ServerReady",
            "ServerMetadata" => "ServerMetadata",
            _ => null,
        };
    }
}
