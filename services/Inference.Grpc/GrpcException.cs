namespace Inference.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Servers throw it to choose the status a client sees;
/// clients receive it when a call fails, with the response headers and trailers the server sent.
/// </summary>
public sealed class GrpcException : Exception
{
    public GrpcException(StatusCode statusCode, string? detail)
        : this(statusCode, detail, null, null, null)
    {
    }

    public GrpcException(StatusCode statusCode, string? detail, Exception? innerException)
        : this(statusCode, detail, null, null, innerException)
    {
    }

    public GrpcException(StatusCode statusCode, string? detail, Metadata? trailers)
        : this(statusCode, detail, null, trailers, null)
    {
    }

    internal GrpcException(StatusCode statusCode, string? detail, Metadata? responseHeaders, Metadata? trailers, Exception? innerException)
        : base(FormatMessage(statusCode, detail), innerException)
    {
        StatusCode = statusCode;
        Detail = detail ?? string.Empty;
        ResponseHeaders = responseHeaders ?? Metadata.Empty;
        Trailers = trailers ?? Metadata.Empty;
    }

    public StatusCode StatusCode { get; }

    /// <summary>The status message (<c>grpc-message</c>, decoded).</summary>
    public string Detail { get; }

    /// <summary>Initial metadata of the failed call (client side; empty if none arrived).</summary>
    public Metadata ResponseHeaders { get; }

    /// <summary>Trailing metadata: on the server, sent with the status; on the client, received with it.</summary>
    public Metadata Trailers { get; }

    private static string FormatMessage(StatusCode statusCode, string? detail) =>
        $"Status(StatusCode=\"{statusCode}\", Detail=\"{detail}\")";
}
