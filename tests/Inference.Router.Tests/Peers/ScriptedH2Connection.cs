using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Inference.Router.Tests.Peers;

/// <summary>One server-side connection of <see cref="ScriptedH2Server"/>: frames in, frames out (RFC 9113).</summary>
internal sealed class ScriptedH2Connection : IDisposable
{
    public const byte Data = 0x0;
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte Ping = 0x6;
    public const byte GoAway = 0x7;
    public const byte WindowUpdate = 0x8;
    public const byte Continuation = 0x9;

    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;

    public const uint NoError = 0x0;
    public const uint RefusedStream = 0x7;

    private const int FrameHeaderLength = 9;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Dictionary<int, List<byte>> _bodies = [];

    public ScriptedH2Connection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Streams the client reset (RST_STREAM), in order.</summary>
    public List<int> ResetStreams { get; } = [];

    public async Task HandshakeAsync()
    {
        var preface = new byte[Preface.Length];
        await _stream.ReadExactlyAsync(preface).AsTask().WaitAsync(Patience);
        Assert.True(preface.AsSpan().SequenceEqual(Preface), "not the HTTP/2 client preface");
        var (type, _, _, _) = await ReadFrameAsync();
        Assert.Equal(Settings, type);
        await WriteFrameAsync(Settings, 0, 0, []);
        await WriteFrameAsync(Settings, Ack, 0, []);
    }

    /// <summary>
    /// Reads frames until some stream's request has ended (END_STREAM) and returns its id and body; answers PINGs and
    /// skips everything else.
    /// </summary>
    public async Task<(int StreamId, byte[] Body)> ReadRequestAsync()
    {
        while (true)
        {
            var (type, flags, streamId, payload) = await ReadFrameAsync();
            switch (type)
            {
                case Headers:
                    _bodies[streamId] = [];
                    if ((flags & EndStream) != 0)
                    {
                        return (streamId, []);
                    }

                    break;
                case Data when _bodies.TryGetValue(streamId, out var body):
                    body.AddRange(payload);
                    if (payload.Length > 0)
                    {
                        // Flow control: whatever arrives may be sent again, on the stream and the connection.
                        await WriteWindowUpdateAsync(streamId, payload.Length);
                        await WriteWindowUpdateAsync(0, payload.Length);
                    }

                    if ((flags & EndStream) != 0)
                    {
                        return (streamId, [.. body]);
                    }

                    break;
                case Ping when (flags & Ack) == 0:
                    await WriteFrameAsync(Ping, Ack, 0, payload);
                    break;
                case RstStream:
                    ResetStreams.Add(streamId);
                    break;
            }
        }
    }

    /// <summary>Reads until the client closes the connection, answering PINGs, recording resets.</summary>
    public async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                var (type, flags, streamId, payload) = await ReadFrameAsync();
                if (type == Ping && (flags & Ack) == 0)
                {
                    await WriteFrameAsync(Ping, Ack, 0, payload);
                }
                else if (type == RstStream)
                {
                    ResetStreams.Add(streamId);
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A gRPC answer: headers with <paramref name="headers"/>, the framed message, trailers with grpc-status 0.</summary>
    public async Task AnswerAsync(int streamId, byte[] message, params (string Name, string Value)[] headers)
    {
        await WriteHeadersAsync(streamId, endStream: false, [(":status", "200"), ("content-type", "application/grpc"), .. headers]);
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        await WriteFrameAsync(Data, 0, streamId, frame);
        await WriteHeadersAsync(streamId, endStream: true, [("grpc-status", "0")]);
    }

    /// <summary>HEADERS with every field as a literal without indexing (a new name, no Huffman).</summary>
    public Task WriteHeadersAsync(int streamId, bool endStream, (string Name, string Value)[] fields)
    {
        var block = new List<byte>();
        foreach (var (name, value) in fields)
        {
            block.Add(0x00);
            AddString(block, name);
            AddString(block, value);
        }

        return WriteFrameAsync(Headers, (byte)(EndHeaders | (endStream ? EndStream : 0)), streamId, [.. block]);
    }

    public Task WriteRstStreamAsync(int streamId, uint code)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, code);
        return WriteFrameAsync(RstStream, 0, streamId, payload);
    }

    public Task WriteWindowUpdateAsync(int streamId, int increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        return WriteFrameAsync(WindowUpdate, 0, streamId, payload);
    }

    public Task WriteGoAwayAsync(int lastStreamId, uint code)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), code);
        return WriteFrameAsync(GoAway, 0, 0, payload);
    }

    /// <summary>Closes the TCP connection at once (a reset): whatever the client has not read yet may be lost.</summary>
    public void Drop() => _socket.Close(0);

    /// <summary>
    /// Closes the connection as a server that shuts down does: everything written so far (a GOAWAY) is followed by
    /// the end of the stream, and what the client still sends is read and dropped until it closes its side, so no
    /// reset can overtake the frames written before.
    /// </summary>
    public async Task CloseAsync()
    {
        _socket.Shutdown(SocketShutdown.Send);
        var sink = new byte[16 * 1024];
        try
        {
            while (await _stream.ReadAsync(sink).AsTask().WaitAsync(Patience) > 0)
            {
            }
        }
        catch (IOException)
        {
            // The client reset the connection instead of closing it: it is closed either way.
        }

        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();

    private async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)> ReadFrameAsync()
    {
        var header = new byte[FrameHeaderLength];
        await _stream.ReadExactlyAsync(header).AsTask().WaitAsync(Patience);
        var length = (header[0] << 16) | (header[1] << 8) | header[2];
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload).AsTask().WaitAsync(Patience);
        return (header[3], header[4], (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF), payload);
    }

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload)
    {
        var frame = new byte[FrameHeaderLength + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId);
        payload.CopyTo(frame, FrameHeaderLength);
        await _writing.WaitAsync();
        try
        {
            await _stream.WriteAsync(frame);
        }
        finally
        {
            _writing.Release();
        }
    }

    // HPACK string literal (RFC 7541 5.2) without Huffman: a 7-bit prefix length, then the octets.
    private static void AddString(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var length = bytes.Length;
        if (length < 127)
        {
            block.Add((byte)length);
        }
        else
        {
            block.Add(127);
            length -= 127;
            while (length >= 128)
            {
                block.Add((byte)((length & 0x7F) | 0x80));
                length >>= 7;
            }

            block.Add((byte)length);
        }

        block.AddRange(bytes);
    }
}
