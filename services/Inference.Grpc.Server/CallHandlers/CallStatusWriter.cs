using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Inference.Grpc.Server;

/// <summary>
/// Puts grpc-status (and grpc-message) where the protocol wants it: in the trailers after a message,
/// or in the headers of a trailers-only response when nothing was sent yet.
/// </summary>
internal static class CallStatusWriter
{
    /// <summary>Writes the status of a call; <paramref name="withTrailers"/> adds the handler's response trailers.</summary>
    public static void Write(ServerCallContext context, StringValues status, string? detail, bool withTrailers)
    {
        var http = context.HttpContext;
        if (!context.MessageWritten && !context.HeadersCommitted && !http.Response.HasStarted)
        {
            WriteTrailersOnly(http, withTrailers ? context : null, status, detail);
            return;
        }

        var trailers = context.GetTrailers();
        if (trailers is null)
        {
            return;
        }

        trailers.GrpcStatus = status;
        if (!string.IsNullOrEmpty(detail))
        {
            trailers.GrpcMessage = GrpcMessageEncoding.Encode(detail);
        }

        if (withTrailers)
        {
            context.CopyTrailersTo(trailers);
        }
    }

    /// <summary>The status goes in the response headers and the stream ends with them (no body).</summary>
    public static void WriteTrailersOnly(HttpContext http, ServerCallContext? context, StringValues status, string? detail)
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
}
