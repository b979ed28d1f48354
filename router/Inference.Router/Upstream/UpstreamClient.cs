namespace Inference.Router.Upstream;

/// <summary>Which HTTP/2 client forwards calls and health checks to the model servers.</summary>
internal enum UpstreamClient
{
    /// <summary>The router's own h2c client (<see cref="Http2.Http2Handler"/>).</summary>
    Builtin,

    /// <summary>.NET's <see cref="System.Net.Http.SocketsHttpHandler"/>.</summary>
    Sockets,
}
