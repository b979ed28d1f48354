using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Inference.Router.Proxy;

/// <summary>Responses the router writes itself: trailers-only errors and small unary answers.</summary>
internal static class GrpcResponses
{
    public const string ContentType = "application/grpc";

    /// <summary>
    /// A trailers-only response: one HEADERS frame with the status, ending the stream. Headers
    /// already set (the router's tags) go out with it.
    /// </summary>
    public static void WriteError(HttpResponse response, int code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers["grpc-status"] = GrpcStatus.Number(code);
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    public static async Task WriteMessageAsync(HttpResponse response, IMessage message, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        var size = message.CalculateSize();
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(5));
        await response.Body.WriteAsync(frame, cancellationToken);
        response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>grpc-message is percent-encoded UTF-8 (the gRPC HTTP/2 protocol).</summary>
    public static string PercentEncode(string message)
    {
        var clean = true;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return message;
        }

        var text = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append((char)b);
            }
        }

        return text.ToString();
    }
}
