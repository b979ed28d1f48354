using System.Threading.Channels;
using Inference.Contracts.Health;
using ServingStatus = Inference.Contracts.Health.HealthCheckResponse.Types.ServingStatus;

namespace Inference.Grpc.Server;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> service. The host sets statuses per service name;
/// "" is the server as a whole and starts as SERVING (set it to NOT_SERVING until ready if needed).
/// </summary>
public sealed class GrpcHealthService
{
    public const string CheckMethod = "/grpc.health.v1.Health/Check";
    public const string WatchMethod = "/grpc.health.v1.Health/Watch";

    // Responses are never mutated after creation, so one instance per status serves every call.
    private static readonly HealthCheckResponse[] s_responses =
    [
        new() { Status = ServingStatus.Unknown },
        new() { Status = ServingStatus.Serving },
        new() { Status = ServingStatus.NotServing },
        new() { Status = ServingStatus.ServiceUnknown },
    ];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [string.Empty] = ServingStatus.Serving };
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    private bool _shutdown;

    /// <summary>Sets the status of <paramref name="service"/> ("" = whole server) and tells its watchers.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_statuses.TryGetValue(service, out var current) && current == status)
            {
                return;
            }

            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    /// <summary>Sets every known service (and "") to one status, e.g. NOT_SERVING when shutting down.</summary>
    public void SetAllStatuses(ServingStatus status)
    {
        lock (_lock)
        {
            foreach (var service in _statuses.Keys.ToArray())
            {
                if (_statuses[service] != status)
                {
                    _statuses[service] = status;
                    Notify(service, status);
                }
            }
        }
    }

    /// <summary>
    /// For host shutdown: every status becomes NOT_SERVING, watchers receive it and their calls end
    /// with OK, so open Watch streams do not hold up the drain. Mapped hosts call it on ApplicationStopping.
    /// </summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            _shutdown = true;
            foreach (var service in _statuses.Keys.ToArray())
            {
                _statuses[service] = ServingStatus.NotServing;
            }

            foreach (var (service, list) in _watchers)
            {
                foreach (var channel in list)
                {
                    channel.Writer.TryWrite(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
                    channel.Writer.TryComplete();
                }
            }
        }
    }

    public bool TryGetStatus(string service, out ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out status);
        }
    }

    internal ValueTask<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        if (!TryGetStatus(request.Service, out var status))
        {
            throw new GrpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }

        return ValueTask.FromResult(s_responses[(int)status]);
    }

    internal async Task WatchAsync(HealthCheckRequest request, IAsyncStreamWriter<HealthCheckResponse> writer, ServerCallContext context)
    {
        // Only the latest status matters to a watcher: older unsent ones are dropped.
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        var service = request.Service;
        lock (_lock)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list))
            {
                list = [];
                _watchers[service] = list;
            }

            list.Add(channel);
            if (_shutdown)
            {
                channel.Writer.TryComplete();
            }
        }

        try
        {
            var token = context.CancellationToken;
            ServingStatus? last = null;
            while (await channel.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var status))
                {
                    if (status != last)
                    {
                        last = status;
                        await writer.WriteAsync(s_responses[(int)status], token).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_watchers.TryGetValue(service, out var list))
                {
                    list.Remove(channel);
                    if (list.Count == 0)
                    {
                        _watchers.Remove(service);
                    }
                }
            }
        }
    }

    private void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var channel in list)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }
}
