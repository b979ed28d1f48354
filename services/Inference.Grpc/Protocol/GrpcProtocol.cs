namespace Inference.Grpc;

/// <summary>Header names and values of gRPC over HTTP/2.</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>The message encodings this runtime reads and writes.</summary>
    public const string SupportedAcceptEncoding = "identity,gzip";

    /// <summary>The receive limit gRPC implementations use unless configured otherwise.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// True for <c>application/grpc</c> and <c>application/grpc+proto</c> (with optional parameters).
    /// Other subtypes (e.g. <c>+json</c>) are not protobuf and are not accepted.
    /// </summary>
    public static bool IsGrpcProtoContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        if (rest[0] == ';')
        {
            return true;
        }

        if (rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[6..];
            return rest.Length == 0 || rest[0] == ';';
        }

        return false;
    }

    /// <summary>The status a client reports for a non-200 HTTP response without grpc-status.</summary>
    public static StatusCode StatusFromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
