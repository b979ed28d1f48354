namespace Inference.Router.Upstream;

/// <summary>
/// One replica address. Long-lived across configuration swaps (keyed by address and authority) so
/// its connections, health and in-flight count survive reloads.
/// </summary>
/// <remarks>
/// Two health sources decide whether it takes new calls. The Watch stream is authoritative when the
/// replica supports it: NOT_SERVING or the stream ending takes the endpoint out at once, SERVING brings
/// it back. The periodic Check is the fallback: an explicit answer other than SERVING or a refused
/// connection takes it out at once, a timeout or transport error only on the second in a row, so one
/// slow answer from a busy but working replica does not empty a version.
/// </remarks>
internal sealed class UpstreamEndpoint
{
    /// <summary>Timeouts and transport errors of the periodic Check needed in a row to take the endpoint out.</summary>
    public const int CheckFailuresToEject = 2;

    private readonly Lock _gate = new();
    private int _inFlight;
    private volatile bool _healthy = true;
    private bool _checkHealthy = true;
    private int _checkFailures;
    private WatchState _watch;
    private long _ejectedUntil;

    public UpstreamEndpoint(string destinationPrefix, string authority, string? hostHeader)
    {
        DestinationPrefix = destinationPrefix;
        Authority = authority;
        HostHeader = hostHeader;
        Key = Compose(destinationPrefix, authority);
    }

    /// <summary>What the Watch stream last said; <see cref="None"/> when there is no stream (not started, or UNIMPLEMENTED).</summary>
    public enum WatchState
    {
        None,
        Serving,
        NotServing,
    }

    /// <summary>Where requests go: <c>http://address:port</c>.</summary>
    public string DestinationPrefix { get; }

    /// <summary>The configured host and port, e.g. <c>iris-v2-headless:8001</c>.</summary>
    public string Authority { get; }

    /// <summary>The :authority to send when it differs from the address (endpoints found by DNS).</summary>
    public string? HostHeader { get; }

    public string Key { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The health checks' verdict (optimistic until the first one).</summary>
    public bool Healthy => _healthy;

    /// <summary>The Watch stream's last word.</summary>
    public WatchState Watch
    {
        get
        {
            lock (_gate)
            {
                return _watch;
            }
        }
    }

    /// <summary>Timeouts and transport errors of the periodic Check since its last answer.</summary>
    public int CheckFailures
    {
        get
        {
            lock (_gate)
            {
                return _checkFailures;
            }
        }
    }

    public bool IsEjected(long now) => now < Volatile.Read(ref _ejectedUntil);

    public bool IsAvailable(long now) => _healthy && !IsEjected(now);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Leaves the endpoint out of balancing until <paramref name="until"/> (a TimeProvider timestamp).</summary>
    public void Eject(long until) => Volatile.Write(ref _ejectedUntil, until);

    /// <summary>Records one periodic Check; returns whether <see cref="Healthy"/> changed.</summary>
    public bool RecordCheck(HealthCheckOutcome outcome)
    {
        lock (_gate)
        {
            switch (outcome)
            {
                case HealthCheckOutcome.Serving:
                    _checkFailures = 0;
                    _checkHealthy = true;
                    // A passing check also ends an ejection early.
                    Volatile.Write(ref _ejectedUntil, 0);
                    break;
                case HealthCheckOutcome.NotServing:
                case HealthCheckOutcome.Refused:
                    _checkFailures++;
                    _checkHealthy = false;
                    break;
                default:
                    _checkFailures++;
                    _checkHealthy &= _checkFailures < CheckFailuresToEject;
                    break;
            }

            return Publish();
        }
    }

    /// <summary>Records what the Watch stream said (or that it ended); returns whether <see cref="Healthy"/> changed.</summary>
    public bool RecordWatch(WatchState state)
    {
        lock (_gate)
        {
            _watch = state;
            if (state == WatchState.Serving)
            {
                // A SERVING answer on a live stream is fresher than any earlier Check failure or ejection.
                _checkFailures = 0;
                _checkHealthy = true;
                Volatile.Write(ref _ejectedUntil, 0);
            }

            return Publish();
        }
    }

    private bool Publish()
    {
        var healthy = _checkHealthy && _watch != WatchState.NotServing;
        var changed = healthy != _healthy;
        _healthy = healthy;
        return changed;
    }

    public static string Compose(string destinationPrefix, string authority) => destinationPrefix + " " + authority;
}
