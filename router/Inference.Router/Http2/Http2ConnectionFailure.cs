namespace Inference.Router.Http2;

/// <summary>
/// Why a connection ended under its streams, with the <see cref="HttpRequestError"/> a request
/// waiting for its response is failed with. A socket error stays the inner exception, so callers
/// that look for one (to take a failing endpoint out of rotation) still find it.
/// </summary>
internal sealed class Http2ConnectionFailure(HttpRequestError error, string message, Exception? inner) : Exception(message, inner)
{
    public HttpRequestError Error { get; } = error;
}
