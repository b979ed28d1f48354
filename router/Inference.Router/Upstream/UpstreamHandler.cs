using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Inference.Router.Upstream;

/// <summary>
/// The one HTTP client handler every forwarded call and health probe to the model servers goes through: .NET's
/// <see cref="SocketsHttpHandler"/> set up for gRPC over cleartext HTTP/2 with prior knowledge (requests ask for
/// version 2.0 exactly).
/// </summary>
internal static class UpstreamHandler
{
    public static SocketsHttpHandler Create() => new()
    {
        // A proxy forwards what it is given: no proxy of its own, no cookies, no decompression, no redirects.
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = false,
        // A connection at the server's stream limit does not cap throughput: more are opened to the same endpoint.
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        // gRPC connections are long-lived; pings find a dead one under a call (a Watch stream is always open) within 40 s.
        KeepAlivePingDelay = TimeSpan.FromSeconds(30),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        // Idle connections to departed replicas go after 2 minutes; a connection is replaced after 5 so that a name
        // the router does not resolve itself (a ClusterIP Service) is balanced again now and then.
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // Responses of a few MiB stream without waiting for window updates.
        InitialHttp2StreamWindowSize = 1024 * 1024,
        // With tracing on, the router's own span replaces the caller's trace headers (YARP's propagator removes the
        // copied ones before injecting); with it off nothing is injected and the caller's headers pass unchanged.
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    };
}
