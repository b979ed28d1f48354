using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

/// <summary>
/// Shared steps of every call type: request validation, Kestrel's per-request limits, and turning the
/// outcome into grpc-status (trailers, or a trailers-only response when no message was sent).
/// </summary>
internal abstract class ServerCallHandler(GrpcServerOptions options, TimeProvider timeProvider, ILogger logger)
{
    protected GrpcServerOptions Options { get; } = options;

    protected ILogger Logger { get; } = logger;

    public Task HandleCallAsync(HttpContext http)
    {
        if (!TryValidate(http, Options, Logger, out var requestGzip, out var timeout))
        {
            return Task.CompletedTask;
        }

        LiftRequestBodyLimits(http, Logger);
        var context = new ServerCallContext(http, Options, requestGzip, timeout, timeProvider, Logger);
        ValueTask task;
        try
        {
            task = HandleCoreAsync(http, context);
        }
        catch (Exception ex)
        {
            task = ValueTask.FromException(ex);
        }

        if (task.IsCompletedSuccessfully)
        {
            // Consumed here, once: a pooled ValueTask's source goes back to its pool on GetResult.
            task.GetAwaiter().GetResult();
            var sealing = context.SealAsync();
            if (sealing.IsCompletedSuccessfully)
            {
                context.Dispose();
                return Task.CompletedTask;
            }

            task = ValueTask.CompletedTask;
        }

        return AwaitCallAsync(task, context);
    }

    /// <summary>Runs the handler; on success ends the call with the response and an OK status.</summary>
    protected abstract ValueTask HandleCoreAsync(HttpContext http, ServerCallContext context);

    /// <summary>
    /// Messages are bounded one by one (MaxReceiveMessageSize); a stream's total size and pace are not
    /// Kestrel's to limit: a long client stream would hit its 30 MB body cap, a slow one its minimum data rate.
    /// </summary>
    private static void LiftRequestBodyLimits(HttpContext http, ILogger logger)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { MaxRequestBodySize: not null } size)
        {
            if (size.IsReadOnly)
            {
                GrpcServerLog.BodySizeLimitKept(logger, http.Request.Path.Value ?? string.Empty, size.MaxRequestBodySize.Value);
            }
            else
            {
                size.MaxRequestBodySize = null;
            }
        }

        // HTTP/2 streams only accept null here (their getter throws).
        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }

    private async Task AwaitCallAsync(ValueTask task, ServerCallContext context)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HandleFailure(context, ex);
        }
        finally
        {
            await context.SealAsync().ConfigureAwait(false);
            context.Dispose();
        }
    }

    private void HandleFailure(ServerCallContext context, Exception exception)
    {
        if (context.EndedByDeadline)
        {
            // The deadline answered already; what the handler did after it reaches no one.
            return;
        }

        var http = context.HttpContext;
        if (http.RequestAborted.IsCancellationRequested || context.TransportFailed)
        {
            // The client reset the stream or dropped the connection: nothing can reach it any more. The status
            // is for whatever observes the call's end (middleware, metrics): Kestrel cancels RequestAborted only
            // a moment after it fails the body, so that token alone may not say it yet.
            GrpcServerLog.CallAborted(Logger, context.Method);
            context.End(StatusCode.Cancelled, "Cancelled");
            return;
        }

        StatusCode code;
        string detail;
        switch (exception)
        {
            case GrpcException grpc:
                code = grpc.StatusCode;
                detail = grpc.Detail;
                foreach (var entry in grpc.Trailers)
                {
                    context.ResponseTrailers.Add(entry);
                }

                GrpcServerLog.ErrorStatus(Logger, context.Method, code, detail);
                break;
            case OperationCanceledException:
                code = StatusCode.Cancelled;
                detail = "Cancelled";
                break;
            default:
                code = StatusCode.Unknown;
                detail = Options.EnableDetailedErrors
                    ? $"Exception was thrown by the handler: {exception.GetType().Name}: {exception.Message}"
                    : "Exception was thrown by the handler.";
                GrpcServerLog.HandlerFailed(Logger, context.Method, exception);
                break;
        }

        context.End(code, detail);
    }

    /// <summary>
    /// Checks protocol, content type and encoding; writes the rejection itself when the request
    /// cannot be served. Shared with the unimplemented-method endpoint.
    /// </summary>
    internal static bool TryValidate(HttpContext http, GrpcServerOptions options, ILogger logger, out bool requestGzip, out TimeSpan? timeout)
    {
        requestGzip = false;
        timeout = null;
        var request = http.Request;
        var response = http.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs HTTP/2 trailers; an HTTP/1.x caller gets a plain error it can read.
            var message = $"Request protocol '{request.Protocol}' is not supported; gRPC requires HTTP/2.";
            GrpcServerLog.CallRejected(logger, request.Path.Value ?? string.Empty, message);
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.GrpcStatus = StatusStrings.For(StatusCode.Internal);
            response.Headers.GrpcMessage = GrpcMessageEncoding.Encode(message);
            return false;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = HttpMethods.Post;
            return false;
        }

        if (!GrpcProtocol.IsGrpcProtoContentType(request.ContentType))
        {
            var message = $"Content-Type '{request.ContentType}' is not supported; expected '{GrpcProtocol.ContentType}'.";
            GrpcServerLog.CallRejected(logger, request.Path.Value ?? string.Empty, message);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers.GrpcStatus = StatusStrings.For(StatusCode.Internal);
            response.Headers.GrpcMessage = GrpcMessageEncoding.Encode(message);
            return false;
        }

        response.ContentType = GrpcProtocol.ContentType;
        response.Headers.GrpcAcceptEncoding = StatusStrings.AcceptEncoding;

        var encoding = request.Headers.GrpcEncoding;
        if (encoding.Count > 0)
        {
            var value = encoding[0];
            if (!MessageCodec.IsSupportedEncoding(value))
            {
                CallStatusWriter.WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Unimplemented),
                    $"Message encoding '{value}' is not supported; supported: {GrpcProtocol.SupportedAcceptEncoding}.");
                return false;
            }

            requestGzip = MessageCodec.IsGzip(value);
        }

        var timeoutHeader = request.Headers.GrpcTimeout;
        if (timeoutHeader.Count > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader[0], out var parsed))
            {
                CallStatusWriter.WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Internal), $"Invalid grpc-timeout '{timeoutHeader[0]}'.");
                return false;
            }

            timeout = parsed;
        }

        return true;
    }

    internal static void WriteUnimplemented(HttpContext http) =>
        CallStatusWriter.WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Unimplemented),
            $"Method '{http.Request.Path.Value}' is not implemented by this server.");
}
