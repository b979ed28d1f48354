using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Inference.Router.Tests.Peers;

/// <summary>
/// A raw HTTP/2 (h2c) server standing in for a model server that answers with frames Kestrel never sends on demand:
/// REFUSED_STREAM, a GOAWAY with a chosen last stream id, a connection dropped under a call. Each connection is handed
/// to the test, which reads requests and writes frames itself. A test peer only: it decodes no request headers
/// (requests are told apart by stream id and body) and encodes its own as plain literals.
/// </summary>
internal sealed class ScriptedH2Server : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<ScriptedH2Connection> _accepted = Channel.CreateUnbounded<ScriptedH2Connection>();
    private readonly List<ScriptedH2Connection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ScriptedH2Server()
    {
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptLoopAsync();
    }

    public string Url { get; }

    /// <summary>The next connection, once the client's preface and SETTINGS were read and this server's were sent.</summary>
    public async Task<ScriptedH2Connection> AcceptAsync()
    {
        var connection = await _accepted.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        await connection.HandshakeAsync();
        return connection;
    }

    /// <summary>Stops accepting connections (new ones are refused), as a server that is going away does.</summary>
    public void StopListening() => _listener.Stop();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                var connection = new ScriptedH2Connection(socket);
                lock (_connections)
                {
                    _connections.Add(connection);
                }

                await _accepted.Writer.WriteAsync(connection);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        _stop.Dispose();
    }
}
