namespace Inference.Router.Upstream;

/// <summary>
/// One replica address. Long-lived across configuration swaps (keyed by address and authority) so
/// its connections, health and in-flight count survive reloads.
/// </summary>
internal sealed class UpstreamEndpoint
{
    private int _inFlight;
    private volatile bool _healthy = true;
    private long _ejectedUntil;

    public UpstreamEndpoint(string destinationPrefix, string authority, string? hostHeader)
    {
        DestinationPrefix = destinationPrefix;
        Authority = authority;
        HostHeader = hostHeader;
        Key = Compose(destinationPrefix, authority);
    }

    /// <summary>Where requests go: <c>http://address:port</c>.</summary>
    public string DestinationPrefix { get; }

    /// <summary>The configured host and port, e.g. <c>iris-v2-headless:8001</c>.</summary>
    public string Authority { get; }

    /// <summary>The :authority to send when it differs from the address (endpoints found by DNS).</summary>
    public string? HostHeader { get; }

    public string Key { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The last active health check's verdict (optimistic until the first one).</summary>
    public bool Healthy => _healthy;

    public bool IsEjected(long now) => now < Volatile.Read(ref _ejectedUntil);

    public bool IsAvailable(long now) => _healthy && !IsEjected(now);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Leaves the endpoint out of balancing until <paramref name="until"/> (a TimeProvider timestamp).</summary>
    public void Eject(long until) => Volatile.Write(ref _ejectedUntil, until);

    /// <summary>Records a health check; a passing check also ends an ejection early.</summary>
    public bool SetHealth(bool healthy)
    {
        var changed = _healthy != healthy;
        _healthy = healthy;
        if (healthy)
        {
            Volatile.Write(ref _ejectedUntil, 0);
        }

        return changed;
    }

    public static string Compose(string destinationPrefix, string authority) => destinationPrefix + " " + authority;
}
