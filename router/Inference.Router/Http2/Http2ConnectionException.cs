namespace Inference.Router.Http2;

/// <summary>A connection error (RFC 9113, 5.4.1): the connection is closed with GOAWAY carrying <see cref="Code"/>.</summary>
internal sealed class Http2ConnectionException(Http2ErrorCode code, string message) : Exception(message)
{
    public Http2ErrorCode Code { get; } = code;
}
