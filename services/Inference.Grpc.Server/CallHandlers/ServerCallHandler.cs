using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Inference.Grpc.Server;

/// <summary>
/// Shared steps of every call type: request validation, deadline, and turning the outcome into
/// grpc-status (trailers, or a trailers-only response when no message was sent).
/// </summary>
internal abstract class ServerCallHandler(GrpcServerOptions options, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>How long an I/O failure waits for RequestAborted before it counts as a handler failure.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);

    protected GrpcServerOptions Options { get; } = options;

    protected ILogger Logger { get; } = logger;

    public Task HandleCallAsync(HttpContext http)
    {
        if (!TryValidate(http, Options, Logger, out var requestGzip, out var timeout))
        {
            return Task.CompletedTask;
        }

        var context = new ServerCallContext(http, Options, requestGzip, timeout, timeProvider);
        Task task;
        try
        {
            task = HandleCoreAsync(http, context);
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        if (task.IsCompletedSuccessfully)
        {
            context.Dispose();
            return Task.CompletedTask;
        }

        return AwaitCallAsync(task, context);
    }

    /// <summary>Runs the handler; on success writes the response and an OK status.</summary>
    protected abstract Task HandleCoreAsync(HttpContext http, ServerCallContext context);

    private async Task AwaitCallAsync(Task task, ServerCallContext context)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await HandleFailureAsync(context, ex).ConfigureAwait(false);
        }
        finally
        {
            context.Dispose();
        }
    }

    private async Task HandleFailureAsync(ServerCallContext context, Exception exception)
    {
        var http = context.HttpContext;
        if (http.RequestAborted.IsCancellationRequested
            || (exception is IOException or ConnectionAbortedException && await IsAbortedAsync(http.RequestAborted).ConfigureAwait(false)))
        {
            // The client reset the stream or dropped the connection: nothing can reach it any more.
            GrpcServerLog.CallAborted(Logger, context.Method);
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
            case OperationCanceledException when context.DeadlineExceeded:
                code = StatusCode.DeadlineExceeded;
                detail = "Deadline Exceeded";
                GrpcServerLog.DeadlineExceeded(Logger, context.Method);
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

        WriteStatus(context, code, detail);
    }

    /// <summary>
    /// Whether the request was aborted. Kestrel fails the request body at once when the client resets the stream
    /// or the connection drops, but cancels RequestAborted a moment later on the thread pool: an I/O failure is
    /// the client leaving, not a server error, when that cancellation follows.
    /// </summary>
    private static async Task<bool> IsAbortedAsync(CancellationToken requestAborted)
    {
        if (requestAborted.IsCancellationRequested)
        {
            return true;
        }

        try
        {
            await Task.Delay(AbortGrace, requestAborted).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Status OK after the response message(s).</summary>
    protected static void WriteOk(ServerCallContext context)
    {
        if (!context.MessageWritten && !context.HttpContext.Response.HasStarted)
        {
            WriteTrailersOnly(context.HttpContext, context, StatusStrings.Ok, detail: null);
            return;
        }

        var trailers = context.GetTrailers();
        if (trailers is null)
        {
            return;
        }

        trailers.GrpcStatus = StatusStrings.Ok;
        if (context.HasResponseTrailers)
        {
            context.CopyTrailersTo(trailers);
        }
    }

    internal static void WriteStatus(ServerCallContext context, StatusCode code, string? detail)
    {
        var http = context.HttpContext;
        if (!context.MessageWritten && !http.Response.HasStarted)
        {
            WriteTrailersOnly(http, context, StatusStrings.For(code), detail);
            return;
        }

        var trailers = context.GetTrailers();
        if (trailers is null)
        {
            return;
        }

        trailers.GrpcStatus = StatusStrings.For(code);
        if (!string.IsNullOrEmpty(detail))
        {
            trailers.GrpcMessage = GrpcMessageEncoding.Encode(detail);
        }

        context.CopyTrailersTo(trailers);
    }

    /// <summary>The status goes in the response headers and the stream ends with them (no body).</summary>
    private static void WriteTrailersOnly(HttpContext http, ServerCallContext? context, StringValues status, string? detail)
    {
        var response = http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers.GrpcStatus = status;
        if (!string.IsNullOrEmpty(detail))
        {
            response.Headers.GrpcMessage = GrpcMessageEncoding.Encode(detail);
        }

        context?.CopyTrailersTo(response.Headers);
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
                WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Unimplemented),
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
                WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Internal), $"Invalid grpc-timeout '{timeoutHeader[0]}'.");
                return false;
            }

            timeout = parsed;
        }

        return true;
    }

    internal static void WriteUnimplemented(HttpContext http) =>
        WriteTrailersOnly(http, null, StatusStrings.For(StatusCode.Unimplemented),
            $"Method '{http.Request.Path.Value}' is not implemented by this server.");
}
