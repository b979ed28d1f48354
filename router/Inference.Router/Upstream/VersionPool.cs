using Inference.Router.Routing;

namespace Inference.Router.Upstream;

/// <summary>The replicas of one model version, balanced by power of two choices on in-flight count.</summary>
internal sealed class VersionPool
{
    private volatile UpstreamEndpoint[] _endpoints = [];
    private int _panicking;

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

    /// <summary>Whether the last pick had to fall back to passively ejected endpoints.</summary>
    public bool Panicking => Volatile.Read(ref _panicking) != 0;

    public void SetEndpoints(UpstreamEndpoint[] endpoints) => _endpoints = endpoints;

    public bool SameSources(IReadOnlyList<Uri> sources) => Sources.SequenceEqual(sources);

    /// <summary>
    /// An available endpoint other than the excluded ones (endpoints that already failed this
    /// request). When none is available, the ejection floor: an endpoint that passes its health
    /// checks but is passively ejected (<paramref name="panic"/> is then true), so that one reset
    /// connection on a version's only replica does not make the version unavailable for the whole
    /// ejection time. Endpoints failing their health checks are never picked. Null when nothing is left.
    /// </summary>
    public UpstreamEndpoint? Pick(IRandomSource random, long now, UpstreamEndpoint? exclude1, UpstreamEndpoint? exclude2, out bool panic)
    {
        panic = false;
        var endpoints = _endpoints;
        if (endpoints.Length == 0)
        {
            return null;
        }

        var picked = PickAmong(endpoints, random, now, ejectedToo: false, exclude1, exclude2);
        if (picked is null)
        {
            picked = PickAmong(endpoints, random, now, ejectedToo: true, exclude1, exclude2);
            panic = picked is not null;
        }

        return picked;
    }

    /// <summary>Marks the pool as routing to ejected endpoints; true when it was not already.</summary>
    public bool EnterPanic() => Interlocked.Exchange(ref _panicking, 1) == 0;

    /// <summary>Marks the pool as routing normally again; true when it was panicking.</summary>
    public bool LeavePanic() => Interlocked.Exchange(ref _panicking, 0) == 1;

    private static UpstreamEndpoint? PickAmong(UpstreamEndpoint[] endpoints, IRandomSource random, long now, bool ejectedToo, UpstreamEndpoint? exclude1, UpstreamEndpoint? exclude2)
    {
        var count = endpoints.Length;
        var first = Scan(endpoints, count == 1 ? 0 : random.Next(count), now, ejectedToo, exclude1, exclude2, null);
        if (first is null || count == 1)
        {
            return first;
        }

        var second = Scan(endpoints, random.Next(count), now, ejectedToo, exclude1, exclude2, first);
        return second is null || first.InFlight <= second.InFlight ? first : second;
    }

    private static UpstreamEndpoint? Scan(UpstreamEndpoint[] endpoints, int start, long now, bool ejectedToo, UpstreamEndpoint? exclude1, UpstreamEndpoint? exclude2, UpstreamEndpoint? exclude3)
    {
        for (var i = 0; i < endpoints.Length; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Length];
            if (candidate != exclude1 && candidate != exclude2 && candidate != exclude3
                && (ejectedToo ? candidate.Healthy : candidate.IsAvailable(now)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether some endpoint could take a request now, counting the ejection floor: one that passes its health checks.</summary>
    public bool CanServe()
    {
        foreach (var endpoint in _endpoints)
        {
            if (endpoint.Healthy)
            {
                return true;
            }
        }

        return false;
    }
}
