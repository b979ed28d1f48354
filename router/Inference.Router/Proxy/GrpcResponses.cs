using System.Globalization;
using System.Text;
using Grpc.Core;

namespace Inference.Router.Proxy;

/// <summary>The answers the proxy writes itself: trailers-only gRPC errors.</summary>
internal static class GrpcResponses
{
    public const string ContentType = "application/grpc";

    private static readonly string[] Numbers = Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// A trailers-only response: one HEADERS frame with the status, ending the stream. Headers already set
    /// (the router's tags) go out with it.
    /// </summary>
    public static void WriteError(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers["grpc-status"] = Numbers[(int)code];
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    /// <summary>Whether a content type is gRPC's: <c>application/grpc</c>, optionally with <c>+format</c> or parameters.</summary>
    public static bool IsGrpc(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    /// <summary>Parses a grpc-status value; null when it is not a status code.</summary>
    public static StatusCode? ParseStatus(ReadOnlySpan<char> value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 0 and <= 16 ? (StatusCode)code : null;

    /// <summary>The status a gRPC client derives from an HTTP status without grpc-status (gRPC's HTTP to gRPC mapping).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2).</summary>
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
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append((char)b);
            }
        }

        return text.ToString();
    }
}
