using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference.Router.Configuration;
using Inference.Router.Routing;

namespace Inference.Router.Upstream;

/// <summary>
/// Owns the upstream side: the HTTP/2 client (one <see cref="SocketsHttpHandler"/> for forwarded calls and health
/// probes), the endpoint objects (with health and load), DNS re-resolution, a health Watch stream per live endpoint
/// and the periodic health Check.
/// </summary>
internal sealed class UpstreamRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, UpstreamEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChangeSignal _changes;
    private readonly SocketsHttpHandler _handler;
    private volatile VersionPool[] _pools = [];
    private volatile RouterConfig? _settings;
    private readonly Dictionary<string, HealthWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Lock _watchersLock = new();
    private CancellationToken _running;
    private bool _started;

    public UpstreamRegistry(TimeProvider time, ChangeSignal changes, ILogger<UpstreamRegistry> logger, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _time = time;
        _changes = changes;
        _logger = logger;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
        _handler = UpstreamHandler.Create();
        Invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
    }

    /// <summary>The client every forwarded request goes through.</summary>
    public HttpMessageInvoker Invoker { get; }

    public IReadOnlyList<VersionPool> Pools => _pools;

    /// <summary>
    /// Pools for <paramref name="config"/>, reusing the running ones whose endpoint lists did not
    /// change; new pools are resolved before they are returned so they start with endpoints.
    /// </summary>
    public async Task<Dictionary<(string Model, string Version), VersionPool>> PrepareAsync(RouterConfig config, CancellationToken cancellationToken)
    {
        var existing = _pools.ToDictionary(p => (p.Model, p.Version));
        var result = new Dictionary<(string, string), VersionPool>();
        var fresh = new List<VersionPool>();
        foreach (var model in config.Models.Values)
        {
            foreach (var version in model.Versions.Values)
            {
                if (existing.TryGetValue((model.Name, version.Name), out var pool) && pool.SameSources(version.Endpoints))
                {
                    result.Add((model.Name, version.Name), pool);
                    continue;
                }

                pool = new VersionPool(model.Name, version.Name, version.Endpoints);
                fresh.Add(pool);
                result.Add((model.Name, version.Name), pool);
            }
        }

        await Task.WhenAll(fresh.Select(p => RefreshAsync(p, cancellationToken)));
        return result;
    }

    /// <summary>Makes <paramref name="pools"/> the ones refreshed and checked, with <paramref name="config"/>'s intervals.</summary>
    public void Commit(RouterConfig config, IEnumerable<VersionPool> pools)
    {
        _pools = pools.ToArray();
        _settings = config;
        var live = _pools.SelectMany(p => p.Endpoints).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _endpoints.Keys)
        {
            if (!live.Contains(key))
            {
                _endpoints.TryRemove(key, out _);
                if (_channels.TryRemove(key, out var channel))
                {
                    channel.Dispose();
                }
            }
        }

        SyncWatchers();
    }

    /// <summary>Runs DNS refresh and active health checks until <paramref name="stoppingToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        lock (_watchersLock)
        {
            _running = stoppingToken;
            _started = true;
        }

        SyncWatchers();
        try
        {
            await Task.WhenAll(DnsLoopAsync(stoppingToken), HealthLoopAsync(stoppingToken));
        }
        finally
        {
            await StopWatchersAsync();
        }
    }

    /// <summary>Endpoints with an open (or reopening) health Watch, for tests and diagnostics.</summary>
    internal int WatchCount
    {
        get
        {
            lock (_watchersLock)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>
    /// One Watch per endpoint of the committed pools while active health checking is on
    /// (healthCheckIntervalSeconds above zero); watchers of endpoints that left are stopped.
    /// </summary>
    private void SyncWatchers()
    {
        List<HealthWatcher> stopped = [];
        lock (_watchersLock)
        {
            if (!_started)
            {
                return;
            }

            var enabled = !_running.IsCancellationRequested && _settings is { HealthCheckInterval.Ticks: > 0 };
            var live = enabled
                ? _pools.SelectMany(p => p.Endpoints).DistinctBy(e => e.Key).ToDictionary(e => e.Key, StringComparer.Ordinal)
                : [];
            foreach (var (key, watcher) in _watchers.ToArray())
            {
                if (!live.TryGetValue(key, out var endpoint) || endpoint != watcher.Endpoint)
                {
                    _watchers.Remove(key);
                    stopped.Add(watcher);
                }
            }

            foreach (var (key, endpoint) in live)
            {
                if (!_watchers.ContainsKey(key))
                {
                    _watchers.Add(key, new HealthWatcher(endpoint, HealthClient(endpoint), _time, _logger, WatchBackoffLimit, _changes, _running));
                }
            }
        }

        foreach (var watcher in stopped)
        {
            // Not awaited: stopping is quick, and the caller may be on the configuration path.
            _ = watcher.DisposeAsync().AsTask();
        }
    }

    // Reopening a failed Watch waits at most a health-check interval (and at most 5 s), so a replica
    // that comes back is seen about as soon as the periodic Check would see it.
    private TimeSpan WatchBackoffLimit()
    {
        var interval = _settings?.HealthCheckInterval ?? TimeSpan.FromSeconds(5);
        return interval < TimeSpan.FromSeconds(5) ? interval : TimeSpan.FromSeconds(5);
    }

    private async Task StopWatchersAsync()
    {
        HealthWatcher[] all;
        lock (_watchersLock)
        {
            all = [.. _watchers.Values];
            _watchers.Clear();
            _started = false;
        }

        foreach (var watcher in all)
        {
            await watcher.DisposeAsync();
        }
    }

    private async Task DnsLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = _settings?.DnsRefreshInterval ?? TimeSpan.FromSeconds(10);
            try
            {
                await Task.Delay(interval, _time, stoppingToken);
                await Task.WhenAll(_pools.Select(p => RefreshAsync(p, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                UpstreamLog.RefreshFailed(_logger, ex);
            }
        }
    }

    private async Task HealthLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = _settings;
            var interval = settings is null || settings.HealthCheckInterval == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : settings.HealthCheckInterval;
            try
            {
                await Task.Delay(interval, _time, stoppingToken);
                if (settings is not null && settings.HealthCheckInterval > TimeSpan.Zero)
                {
                    await CheckAllAsync(settings.HealthCheckTimeout, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                UpstreamLog.RefreshFailed(_logger, ex);
            }
        }
    }

    /// <summary>Checks every endpoint once.</summary>
    public Task CheckAllAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var endpoints = _pools.SelectMany(p => p.Endpoints).DistinctBy(e => e.Key).ToArray();
        return Task.WhenAll(endpoints.Select(async endpoint =>
        {
            var outcome = await GrpcHealthProbe.CheckAsync(HealthClient(endpoint), timeout, _time, cancellationToken);
            if (endpoint.RecordCheck(outcome))
            {
                _changes.Notify();
                UpstreamLog.HealthChanged(_logger, endpoint.DestinationPrefix, endpoint.Authority, endpoint.Healthy ? "healthy" : "unhealthy", Describe(outcome));
            }
            else if (outcome == HealthCheckOutcome.Failed && endpoint.Healthy)
            {
                UpstreamLog.CheckMissed(_logger, endpoint.DestinationPrefix, endpoint.Authority, endpoint.CheckFailures, UpstreamEndpoint.CheckFailuresToEject);
            }
        }));
    }

    private static string Describe(HealthCheckOutcome outcome) => outcome switch
    {
        HealthCheckOutcome.Serving => "Check: SERVING",
        HealthCheckOutcome.NotServing => "Check: not SERVING",
        HealthCheckOutcome.Refused => "Check: connection refused",
        _ => $"Check: no answer {UpstreamEndpoint.CheckFailuresToEject} times in a row",
    };

    /// <summary>Re-resolves the pool's sources; a name that fails to resolve keeps its previous addresses.</summary>
    public async Task RefreshAsync(VersionPool pool, CancellationToken cancellationToken)
    {
        var previous = pool.Endpoints;
        var next = new List<UpstreamEndpoint>();
        foreach (var source in pool.Sources)
        {
            var authority = source.Authority;
            if (IPAddress.TryParse(source.DnsSafeHost, out _))
            {
                next.Add(GetOrAdd($"http://{authority}", authority, hostHeader: null));
                continue;
            }

            IPAddress[] addresses;
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                addresses = await _resolve(source.DnsSafeHost, cts.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                UpstreamLog.ResolveFailed(_logger, pool.Model, pool.Version, source.DnsSafeHost, ex.Message);
                next.AddRange(previous.Where(e => e.Authority == authority));
                continue;
            }

            foreach (var address in addresses.Distinct())
            {
                var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
                next.Add(GetOrAdd($"http://{host}:{source.Port}", authority, hostHeader: authority));
            }
        }

        var endpoints = next.DistinctBy(e => e.Key).ToArray();
        if (!endpoints.Select(e => e.Key).SequenceEqual(previous.Select(e => e.Key)))
        {
            pool.SetEndpoints(endpoints);
            _changes.Notify();
            UpstreamLog.EndpointsChanged(_logger, pool.Model, pool.Version, string.Join(", ", endpoints.Select(e => e.DestinationPrefix)));
            if (_pools.Contains(pool))
            {
                SyncWatchers();
            }
        }
    }

    private UpstreamEndpoint GetOrAdd(string prefix, string authority, string? hostHeader) =>
        _endpoints.GetOrAdd(UpstreamEndpoint.Compose(prefix, authority), _ => new UpstreamEndpoint(prefix, authority, hostHeader));

    /// <summary>
    /// The generated grpc.health.v1 client of an endpoint: a channel over the shared handler (so probes and calls share
    /// connections), sending the endpoint's configured name as :authority.
    /// </summary>
    private Health.HealthClient HealthClient(UpstreamEndpoint endpoint)
    {
        var channel = _channels.GetOrAdd(endpoint.Key, _ =>
        {
            // Infinite: a Watch stream lives as long as the endpoint; each Check carries its own deadline.
            var client = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            if (endpoint.HostHeader is { } host)
            {
                client.DefaultRequestHeaders.Host = host;
            }

            return GrpcChannel.ForAddress(endpoint.DestinationPrefix, new GrpcChannelOptions { HttpClient = client, DisposeHttpClient = true });
        });
        return new Health.HealthClient(channel);
    }

    public void Dispose()
    {
        lock (_watchersLock)
        {
            // RunAsync normally stops them; this covers a registry that is disposed without being stopped.
            foreach (var watcher in _watchers.Values)
            {
                _ = watcher.DisposeAsync().AsTask();
            }

            _watchers.Clear();
            _started = false;
        }

        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        Invoker.Dispose();
        _handler.Dispose();
    }
}
