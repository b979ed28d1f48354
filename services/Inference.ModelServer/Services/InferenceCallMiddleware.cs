using System.Diagnostics;
using Grpc.Core;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Engine.Model;
using Inference.ModelServer.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Inference.ModelServer.Services;

/// <summary>
/// On the gRPC port (HTTP/2), before Grpc.AspNetCore runs: tags every response with <c>x-model-name</c> and
/// <c>x-model-version</c> (also the responses the library writes itself: an unknown method, an oversized or
/// malformed message), and counts and times the calls of the inference service by their final grpc-status. A
/// middleware rather than a gRPC interceptor because an interceptor never sees the calls the library refuses before
/// the handler runs.
/// </summary>
internal sealed class InferenceCallMiddleware(RequestDelegate next, InferenceModel model, ModelServerMetrics metrics)
{
    private static readonly string s_methodPrefix = "/" + GRPCInferenceService.Descriptor.FullName + "/";

    private readonly StringValues _name = new(model.Name);
    private readonly StringValues _version = new(model.Version);

    public Task InvokeAsync(HttpContext context)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            return next(context);
        }

        var headers = context.Response.Headers;
        headers[InferenceHeaders.ModelName] = _name;
        headers[InferenceHeaders.ModelVersion] = _version;

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

        var code = status.Count > 0 && int.TryParse(status[0], out var parsed) ? (StatusCode)parsed : StatusCode.Unknown;
        // A client that reset the stream or dropped the connection cancelled the call, whatever status the library then
        // wrote for the handler that lost its request; a passed deadline aborts the request too, after its own status.
        if (code != StatusCode.DeadlineExceeded && context.RequestAborted.IsCancellationRequested)
        {
            code = StatusCode.Cancelled;
        }
        metrics.RequestCompleted(method, code, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>The method label for a path of the inference service (a constant string), or null.</summary>
    private static string? MethodLabel(string? path)
    {
        if (path is null || !path.StartsWith(s_methodPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return path.AsSpan(s_methodPrefix.Length) switch
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
