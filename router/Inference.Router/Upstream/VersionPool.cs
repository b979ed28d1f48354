using Inference.Router.Routing;

namespace Inference.Router.Upstream;

/// <summary>The replicas of one model version, balanced by power of two choices on in-flight count.</summary>
internal sealed class VersionPool
{
    private volatile UpstreamEndpoint[] _endpoints = [];

    public VersionPool(string model, string version, IReadOnlyList<Uri> sources)
    {
        Model = model;
        Version = version;
        Sources = sources;
    }

    public string Model { get; }

    public string Version { get; }

    /// <summary>The configured endpoint URLs; DNS names among them expand to one endpoint per address.</summary>
    public IReadOnlyList<Uri> Sources { get; }

    public UpstreamEndpoint[] Endpoints => _endpoints;

    public void SetEndpoints(UpstreamEndpoint[] endpoints) => _endpoints = endpoints;

    public bool SameSources(IReadOnlyList<Uri> sources) => Sources.SequenceEqual(sources);

    /// <summary>
    /// An available endpoint other than the excluded ones (endpoints that already failed this
    /// request), or null when there is none.
    /// </summary>
    public UpstreamEndpoint? Pick(IRandomSource random, long now, UpstreamEndpoint? exclude1 = null, UpstreamEndpoint? exclude2 = null)
    {
        var endpoints = _endpoints;
        var count = endpoints.Length;
        if (count == 0)
        {
            return null;
        }

        var first = Scan(endpoints, count == 1 ? 0 : random.Next(count), now, exclude1, exclude2, null);
        if (first is null || count == 1)
        {
            return first;
        }

        var second = Scan(endpoints, random.Next(count), now, exclude1, exclude2, first);
        return second is null || first.InFlight <= second.InFlight ? first : second;
    }

    private static UpstreamEndpoint? Scan(UpstreamEndpoint[] endpoints, int start, long now, UpstreamEndpoint? exclude1, UpstreamEndpoint? exclude2, UpstreamEndpoint? exclude3)
    {
        for (var i = 0; i < endpoints.Length; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Length];
            if (candidate != exclude1 && candidate != exclude2 && candidate != exclude3 && candidate.IsAvailable(now))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether any endpoint could take a request now.</summary>
    public bool HasAvailable(long now)
    {
        foreach (var endpoint in _endpoints)
        {
            if (endpoint.IsAvailable(now))
            {
                return true;
            }
        }

        return false;
    }
}
