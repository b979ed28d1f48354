using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inference.Grpc.Tests;

/// <summary>
/// Just enough of an HTTP/2 server (h2c, prior knowledge) to see the frames a client sends and to send what
/// Kestrel would not: it settles SETTINGS, acknowledges and counts PINGs (Kestrel shows them to no one),
/// refuses the first <c>refuseFirst</c> streams with RST_STREAM(REFUSED_STREAM), and answers the others
/// with a trailers-only UNIMPLEMENTED "raw listener".
/// </summary>
internal sealed class RawHttp2Listener : IAsyncDisposable
{
    private const byte Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6;
    private const int RefusedStream = 0x7;
    private const byte Ack = 0x1, EndStream = 0x1, EndHeaders = 0x4;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly int _refuseFirst;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private readonly object _lock = new();
    private int _pings;
    private (int Count, TaskCompletionSource Source)? _waiter;
    private int _streams;

    public RawHttp2Listener(int refuseFirst = 0)
    {
        _refuseFirst = refuseFirst;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>PING frames received (not counting acknowledgements).</summary>
    public int Pings
    {
        get
        {
            lock (_lock)
            {
                return _pings;
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> PINGs have arrived.</summary>
    public Task WaitForPingsAsync(int count)
    {
        lock (_lock)
        {
            if (_pings >= count)
            {
                return Task.CompletedTask;
            }

            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, source);
            return source.Task;
        }
    }

    /// <summary>Request streams opened by the client (refused ones included).</summary>
    public int Streams => Volatile.Read(ref _streams);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
            await Task.WhenAll(_connections);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Stopping: the sockets close under the loops.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        var token = _stop.Token;
        var preface = new byte[Preface.Length];
        await stream.ReadExactlyAsync(preface, token);
        if (!preface.AsSpan().SequenceEqual(Preface))
        {
            return;
        }

        await WriteFrameAsync(stream, Settings, 0, 0, [], token);
        var header = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(header, token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, token);
            switch (type)
            {
                case Settings when (flags & Ack) == 0:
                    await WriteFrameAsync(stream, Settings, Ack, 0, [], token);
                    break;
                case Ping when (flags & Ack) == 0:
                    CountPing();
                    await WriteFrameAsync(stream, Ping, Ack, 0, payload, token);
                    break;
                case Headers when Interlocked.Increment(ref _streams) <= _refuseFirst:
                    var code = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(code, RefusedStream);
                    await WriteFrameAsync(stream, RstStream, 0, streamId, code, token);
                    break;
                case Headers:
                    await WriteFrameAsync(stream, Headers, EndHeaders | EndStream, streamId, TrailersOnlyUnimplemented(), token);
                    break;
                default:
                    // DATA, WINDOW_UPDATE, RST_STREAM, GOAWAY: nothing to answer.
                    break;
            }
        }
    }

    private void CountPing()
    {
        lock (_lock)
        {
            _pings++;
            if (_waiter is { } waiter && _pings >= waiter.Count)
            {
                waiter.Source.TrySetResult();
                _waiter = null;
            }
        }
    }

    /// <summary>HPACK: ":status: 200" from the static table, the rest as literals without indexing.</summary>
    private static byte[] TrailersOnlyUnimplemented()
    {
        var block = new List<byte> { 0x88 };
        Literal(block, "content-type", "application/grpc");
        Literal(block, "grpc-status", "12");
        Literal(block, "grpc-message", "raw listener");
        return [.. block];
    }

    private static void Literal(List<byte> block, string name, string value)
    {
        block.Add(0x00);
        block.Add((byte)name.Length);
        block.AddRange(Encoding.ASCII.GetBytes(name));
        block.Add((byte)value.Length);
        block.AddRange(Encoding.ASCII.GetBytes(value));
    }

    private static async Task WriteFrameAsync(Stream stream, byte type, byte flags, int streamId, byte[] payload, CancellationToken token)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        await stream.WriteAsync(frame, token);
        await stream.FlushAsync(token);
    }
}
