namespace Inference.Router.Http2;

/// <summary>
/// The server did not process the stream (it was above a GOAWAY's last stream id, or reset with
/// REFUSED_STREAM, or the connection was closing before it was sent): safe to send again.
/// </summary>
internal sealed class Http2RefusedException(string message) : Exception(message);
