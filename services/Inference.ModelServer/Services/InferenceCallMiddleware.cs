using System.Diagnostics;
using Grpc.Core;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Engine.Model;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Memory;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Inference.ModelServer.Services;

/// <summary>
/// On the gRPC port (HTTP/2), before Grpc.AspNetCore runs: tags every response with <c>x-model-name</c> and
/// <c>x-model-version</c> (also the responses the library writes itself: an unknown method, an oversized or
/// malformed message), puts every call's request message under the <see cref="MemoryBudget"/> (through the body the
/// library reads, <see cref="BudgetedRequestBody"/>), and counts and times the calls of the inference service by
/// their final grpc-status. A middleware rather than a gRPC interceptor because an interceptor never sees the calls
/// the library refuses before the handler runs, nor the body before it is read.
/// </summary>
internal sealed class InferenceCallMiddleware(
    RequestDelegate next, InferenceModel model, ModelServerOptions options, MemoryBudget budget, ModelServerMetrics metrics,
    ILogger<InferenceCallMiddleware> logger)
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

        var body = new BudgetedRequestBody(context.Request.BodyReader, budget, options.MaxReceiveMessageSize);
        context.Features.Set<IRequestBodyPipeFeature>(body);
        var method = MethodLabel(context.Request.Path.Value);
        var start = Stopwatch.GetTimestamp();
        Task pending;
        try
        {
            pending = next(context);
        }
        catch
        {
            body.ReleaseBudget();
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Ended(context, body, method, start);
            return Task.CompletedTask;
        }

        return AwaitAsync(pending, context, body, method, start);
    }

    private async Task AwaitAsync(Task pending, HttpContext context, BudgetedRequestBody body, string? method, long start)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            Ended(context, body, method, start);
        }
    }

    private void Ended(HttpContext context, BudgetedRequestBody body, string? method, long start)
    {
        body.ReleaseBudget();
        var aborted = context.RequestAborted.IsCancellationRequested;
        if (method is null)
        {
            return;
        }

        // Trailers-only responses carry grpc-status in the headers; the others in the trailers.
        var status = context.Response.Headers.GrpcStatus;
        if (status.Count == 0 && context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers)
        {
            status = trailers.GrpcStatus;
        }

        var code = status.Count > 0 && int.TryParse(status[0], out var parsed) ? (StatusCode)parsed : StatusCode.Unknown;
        // A client that reset the stream or dropped the connection cancelled the call, whatever status the library then
        // wrote for the handler that lost its request; a passed deadline aborts the request too, after its own status.
        if (code != StatusCode.DeadlineExceeded && aborted)
        {
            code = StatusCode.Cancelled;
            // The client's doing, and nothing for the server to mend: a debug line, no stack trace.
            ModelServerLog.CallCancelledByClient(logger, method, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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
