using System.Runtime.CompilerServices;
using Inference.Router.Upstream;

namespace Inference.Router.Proxy;

/// <summary>
/// The request URI of each forwarded method on each endpoint, built once. The forwarder would otherwise parse a new
/// <see cref="Uri"/> per request, and HttpClient would recompute its host and authority strings on each; a shared,
/// immutable instance keeps them computed.
/// </summary>
internal sealed class RequestUriCache
{
    // Keyed by the endpoint object: entries go when an endpoint is dropped from the configuration.
    private readonly ConditionalWeakTable<UpstreamEndpoint, Uri?[]> _uris = new();

    public Uri Get(UpstreamEndpoint endpoint, GrpcMethod method)
    {
        var uris = _uris.GetValue(endpoint, static _ => new Uri?[GrpcMethods.Forwarded.Length]);
        var uri = Volatile.Read(ref uris[(int)method]);
        if (uri is null)
        {
            uri = new Uri(endpoint.DestinationPrefix + GrpcMethods.Path(method), UriKind.Absolute);
            Volatile.Write(ref uris[(int)method], uri);
        }

        return uri;
    }
}
