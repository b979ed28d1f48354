using System.Runtime.CompilerServices;
using Inference.Router.Upstream;

namespace Inference.Router.Proxy;

/// <summary>
/// The upstream request URI of each forwarded method on each endpoint, built once. The forwarder
/// would otherwise parse a new <see cref="Uri"/> per request, and HttpClient would recompute its
/// host and authority strings on each; a shared, immutable instance keeps them computed.
/// </summary>
internal sealed class RequestUriCache
{
    private static readonly int MethodCount = Enum.GetValues<GrpcMethod>().Length;

    // Keyed by the endpoint object: entries go when an endpoint is dropped from the configuration.
    private readonly ConditionalWeakTable<UpstreamEndpoint, Uri?[]> _uris = new();

    /// <param name="path">The method's path, used the first time.</param>
    public Uri Get(UpstreamEndpoint endpoint, GrpcMethod method, string path)
    {
        var uris = _uris.GetValue(endpoint, static _ => new Uri?[MethodCount]);
        // A method has exactly one path (GrpcMethods.Classify), so the method is the key.
        var uri = Volatile.Read(ref uris[(int)method]);
        if (uri is null)
        {
            uri = new Uri(endpoint.DestinationPrefix + path, UriKind.Absolute);
            Volatile.Write(ref uris[(int)method], uri);
        }

        return uri;
    }
}
