using System.Net;

namespace Inference.Router.Http2;

/// <summary>
/// The connections to one host and port. A request takes a stream slot on the first connection
/// below the server's MAX_CONCURRENT_STREAMS; when none has one, a new connection is opened (one
/// at a time, shared by everyone waiting).
/// </summary>
internal sealed class Http2ConnectionPool
{
    private const int MaxFreshConnectionsPerAcquire = 4;

    private readonly Lock _sync = new();
    private readonly List<Http2Connection> _connections = [];
    private readonly Http2HandlerOptions _options;
    private Task<Http2Connection>? _connecting;

    public Http2ConnectionPool(string host, int port, string authority, Http2HandlerOptions options)
    {
        EndPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        Authority = authority;
        _options = options;
    }

    public EndPoint EndPoint { get; }

    /// <summary>host:port, for :authority and messages.</summary>
    public string Authority { get; }

    public int ConnectionCount
    {
        get
        {
            lock (_sync)
            {
                return _connections.Count;
            }
        }
    }

    public ValueTask<Http2Connection> AcquireAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            foreach (var connection in _connections)
            {
                if (connection.TryReserve())
                {
                    return new ValueTask<Http2Connection>(connection);
                }
            }
        }

        return AcquireSlowAsync(cancellationToken);
    }

    private async ValueTask<Http2Connection> AcquireSlowAsync(CancellationToken cancellationToken)
    {
        for (var fresh = 0; ; fresh++)
        {
            Task<Http2Connection> connecting;
            lock (_sync)
            {
                foreach (var connection in _connections)
                {
                    if (connection.TryReserve())
                    {
                        return connection;
                    }
                }

                if (fresh == MaxFreshConnectionsPerAcquire)
                {
                    // Not a connection error: the endpoint works, other calls took every stream it allows.
                    throw new HttpRequestException(HttpRequestError.Unknown, $"{Authority} accepts no more HTTP/2 streams (MAX_CONCURRENT_STREAMS)");
                }

                connecting = _connecting ??= ConnectAsync();
            }

            await connecting.WaitAsync(cancellationToken);
        }
    }

    private async Task<Http2Connection> ConnectAsync()
    {
        // Never connect while the caller holds the pool's lock.
        await Task.Yield();
        try
        {
            var connection = await Http2Connection.ConnectAsync(this, _options, CancellationToken.None);
            lock (_sync)
            {
                _connections.Add(connection);
            }

            return connection;
        }
        finally
        {
            lock (_sync)
            {
                _connecting = null;
            }
        }
    }

    public void Remove(Http2Connection connection)
    {
        lock (_sync)
        {
            _connections.Remove(connection);
        }
    }

    public void Tick(long now)
    {
        Http2Connection[] connections;
        lock (_sync)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Tick(now);
        }
    }

    public void CloseAll()
    {
        Http2Connection[] connections;
        lock (_sync)
        {
            connections = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in connections)
        {
            connection.Fail(new Http2ConnectionFailure(HttpRequestError.Unknown, "the HTTP/2 client was disposed", null), Http2ErrorCode.NoError);
        }
    }
}
