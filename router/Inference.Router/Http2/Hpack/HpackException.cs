namespace Inference.Router.Http2.Hpack;

/// <summary>A header block that cannot be decoded: a connection error (COMPRESSION_ERROR) for HTTP/2.</summary>
internal sealed class HpackException(string message) : Exception(message);
