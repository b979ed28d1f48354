using Grpc.Health.V1;
using Inference.Router.Routing;

namespace Inference.Router.Upstream;

/// <summary>
/// Keeps one grpc.health.v1.Health/Watch stream open to one endpoint, so a replica that starts draining
/// (it pushes NOT_SERVING on SIGTERM) leaves rotation at once instead of at the next periodic Check.
/// A stream that ends or fails takes the endpoint out and is reopened, at once after a long-lived
/// stream and with exponential backoff after short ones; UNIMPLEMENTED ends the watch for good and
/// leaves the endpoint to the periodic Check.
/// </summary>
internal sealed class HealthWatcher : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongLived = TimeSpan.FromSeconds(10);

    private readonly Health.HealthClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<TimeSpan> _maxBackoff;
    private readonly ChangeSignal _changes;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    public HealthWatcher(UpstreamEndpoint endpoint, Health.HealthClient client, TimeProvider time, ILogger logger, Func<TimeSpan> maxBackoff, ChangeSignal changes, CancellationToken stoppingToken)
    {
        Endpoint = endpoint;
        _client = client;
        _time = time;
        _logger = logger;
        _maxBackoff = maxBackoff;
        _changes = changes;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    public UpstreamEndpoint Endpoint { get; }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var shortStreams = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            var end = await GrpcHealthProbe.WatchAsync(_client, OnStatus, cancellationToken);
            switch (end.Kind)
            {
                case HealthWatchEndKind.Cancelled:
                    return;
                case HealthWatchEndKind.NotSupported:
                    UpstreamLog.WatchUnsupported(_logger, Endpoint.DestinationPrefix, Endpoint.Authority);
                    Apply(UpstreamEndpoint.WatchState.None, end.Reason);
                    return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            Apply(UpstreamEndpoint.WatchState.NotServing, end.Reason);
            shortStreams = _time.GetElapsedTime(started) >= LongLived ? 0 : shortStreams + 1;
            if (shortStreams == 0)
            {
                continue;
            }

            var max = _maxBackoff();
            var backoff = FirstBackoff * Math.Pow(2, Math.Min(shortStreams - 1, 16));
            UpstreamLog.WatchEnded(_logger, Endpoint.DestinationPrefix, end.Reason);
            try
            {
                await Task.Delay(backoff < max ? backoff : max, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnStatus(bool serving) =>
        Apply(serving ? UpstreamEndpoint.WatchState.Serving : UpstreamEndpoint.WatchState.NotServing, serving ? "Watch: SERVING" : "Watch: NOT_SERVING");

    private void Apply(UpstreamEndpoint.WatchState state, string reason)
    {
        if (Endpoint.RecordWatch(state))
        {
            _changes.Notify();
            UpstreamLog.HealthChanged(_logger, Endpoint.DestinationPrefix, Endpoint.Authority, Endpoint.Healthy ? "healthy" : "unhealthy", reason);
        }
    }

    /// <summary>Stops watching; the endpoint's Watch state is forgotten (it may be watched again later).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        // A routine stop (shutdown, endpoint removed, health checks turned off), not a health verdict:
        // forgetting the Watch's last word must not be reported as the endpoint turning healthy.
        if (Endpoint.RecordWatch(UpstreamEndpoint.WatchState.None))
        {
            _changes.Notify();
        }

        UpstreamLog.WatchStopped(_logger, Endpoint.DestinationPrefix, Endpoint.Authority);
    }
}
