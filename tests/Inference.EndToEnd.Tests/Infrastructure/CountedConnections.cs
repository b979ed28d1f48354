using System.Net.Sockets;
using Grpc.Net.Client;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A client of one server over a single HTTP/2 connection that counts the TCP connections it opens.
/// A server that closes the connection (or sends GOAWAY) makes the client open another, so a count
/// still at 1 after a change proves the change dropped no connection.
/// </summary>
internal sealed class CountedConnections : IDisposable
{
    private int _opened;

    public CountedConnections(Uri address)
    {
        var handler = new SocketsHttpHandler
        {
            // Every call on one connection: a second connection can only mean the first was lost.
            EnableMultipleHttp2Connections = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref _opened);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        Client = new OipTestClient(Channel);
    }

    public GrpcChannel Channel { get; }

    public OipTestClient Client { get; }

    /// <summary>TCP connections opened so far.</summary>
    public int Opened => Volatile.Read(ref _opened);

    public void Dispose() => Channel.Dispose();
}
