using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Inference.Router.Http2;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Tests.Http2;

/// <summary>
/// A raw HTTP/2 server for tests that need frames Kestrel never sends on demand (GOAWAY with a
/// chosen last stream id, REFUSED_STREAM, a dropped connection, odd SETTINGS). Each accepted
/// connection is handed to the test, which reads and writes frames itself.
/// </summary>
internal sealed class ScriptedH2Server : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<ScriptedConnection> _accepted = Channel.CreateUnbounded<ScriptedConnection>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ScriptedH2Server()
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>The next connection, after its preface and the client's SETTINGS were read and ours (<paramref name="settings"/>) sent.</summary>
    public async Task<ScriptedConnection> AcceptAsync(params (Http2SettingId Id, uint Value)[] settings)
    {
        var connection = await _accepted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await connection.HandshakeAsync(settings);
        return connection;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                await _accepted.Writer.WriteAsync(new ScriptedConnection(socket));
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
        _stop.Dispose();
    }
}

/// <summary>One server-side connection of <see cref="ScriptedH2Server"/>.</summary>
internal sealed class ScriptedConnection : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public ScriptedConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public Dictionary<Http2SettingId, uint> ClientSettings { get; } = [];

    public async Task HandshakeAsync((Http2SettingId Id, uint Value)[] settings)
    {
        var preface = new byte[Http2Frame.Preface.Length];
        await _stream.ReadExactlyAsync(preface).AsTask().WaitAsync(Patience);
        Assert.True(preface.AsSpan().SequenceEqual(Http2Frame.Preface), "not the HTTP/2 client preface");
        var (frame, payload) = await ReadFrameAsync();
        Assert.Equal(Http2FrameType.Settings, frame.Type);
        for (var i = 0; i < payload.Length; i += 6)
        {
            ClientSettings[(Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
        }

        var body = new byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(i * 6), (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan((i * 6) + 2), settings[i].Value);
        }

        await WriteFrameAsync(Http2FrameType.Settings, 0, 0, body);
        await WriteFrameAsync(Http2FrameType.Settings, Http2Flags.Ack, 0, []);
    }

    public async Task<(Http2Frame Frame, byte[] Payload)> ReadFrameAsync()
    {
        var header = new byte[Http2Frame.HeaderLength];
        await _stream.ReadExactlyAsync(header).AsTask().WaitAsync(Patience);
        var frame = Http2Frame.Read(header);
        var payload = new byte[frame.Length];
        await _stream.ReadExactlyAsync(payload).AsTask().WaitAsync(Patience);
        return (frame, payload);
    }

    /// <summary>Reads frames until one matches, skipping SETTINGS ACKs, WINDOW_UPDATEs and PINGs unless asked for.</summary>
    public async Task<(Http2Frame Frame, byte[] Payload)> ReadUntilAsync(Func<Http2Frame, bool> match)
    {
        while (true)
        {
            var next = await ReadFrameAsync();
            if (match(next.Frame))
            {
                return next;
            }
        }
    }

    /// <summary>Reads one whole request (HEADERS, CONTINUATIONs, DATA up to END_STREAM) on any stream.</summary>
    public async Task<ScriptedRequest> ReadRequestAsync()
    {
        var requests = new Dictionary<int, ScriptedRequest>();
        var decoder = Decoder;
        while (true)
        {
            var (frame, payload) = await ReadFrameAsync();
            switch (frame.Type)
            {
                case Http2FrameType.Headers:
                case Http2FrameType.Continuation:
                    var request = requests.TryGetValue(frame.StreamId, out var known) ? known : requests[frame.StreamId] = new ScriptedRequest(frame.StreamId);
                    request.Block.AddRange(payload);
                    request.Ended |= frame.Type == Http2FrameType.Headers && frame.Has(Http2Flags.EndStream);
                    request.FrameTypes.Add(frame.Type);
                    if (frame.Has(Http2Flags.EndHeaders))
                    {
                        var sink = new FieldSink();
                        decoder.Decode(request.Block.ToArray(), sink);
                        request.Fields = sink.Fields;
                    }

                    break;
                case Http2FrameType.Data:
                    requests[frame.StreamId].Body.AddRange(payload);
                    requests[frame.StreamId].Ended |= frame.Has(Http2Flags.EndStream);
                    requests[frame.StreamId].FrameTypes.Add(frame.Type);
                    break;
            }

            foreach (var request in requests.Values)
            {
                if (request.Ended && request.Fields is not null)
                {
                    return request;
                }
            }
        }
    }

    /// <summary>The HPACK decoder for the client's header blocks on this connection.</summary>
    public HpackDecoder Decoder { get; } = new();

    public Task WriteFrameAsync(Http2FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[Http2Frame.HeaderLength + payload.Length];
        Http2Frame.Write(bytes, payload.Length, type, flags, streamId);
        payload.CopyTo(bytes.AsSpan(Http2Frame.HeaderLength));
        return _stream.WriteAsync(bytes).AsTask();
    }

    /// <summary>HEADERS with ":status" and the given fields, as literals (no Huffman, no indexing).</summary>
    public Task WriteHeadersAsync(int streamId, bool endStream, int status, params (string Name, string Value)[] fields)
    {
        var block = new byte[4096];
        var written = HpackEncoder.WriteField(HpackStaticTable.IndexOfName(":status"), "", status.ToString(System.Globalization.CultureInfo.InvariantCulture), block);
        foreach (var (name, value) in fields)
        {
            written += HpackEncoder.WriteField(0, name, value, block.AsSpan(written));
        }

        return WriteFrameAsync(Http2FrameType.Headers, (byte)(Http2Flags.EndHeaders | (endStream ? Http2Flags.EndStream : 0)), streamId, block.AsSpan(0, written));
    }

    public Task WriteDataAsync(int streamId, bool endStream, string text) =>
        WriteFrameAsync(Http2FrameType.Data, endStream ? Http2Flags.EndStream : (byte)0, streamId, Encoding.ASCII.GetBytes(text));

    public Task WriteGoAwayAsync(int lastStreamId, Http2ErrorCode code)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)code);
        return WriteFrameAsync(Http2FrameType.GoAway, 0, 0, payload);
    }

    public Task WriteRstStreamAsync(int streamId, Http2ErrorCode code)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        return WriteFrameAsync(Http2FrameType.RstStream, 0, streamId, payload);
    }

    public Task WriteWindowUpdateAsync(int streamId, int increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        return WriteFrameAsync(Http2FrameType.WindowUpdate, 0, streamId, payload);
    }

    /// <summary>Closes the TCP connection at once (no GOAWAY).</summary>
    public void Drop() => _socket.Close(0);

    /// <summary>Bytes the client has sent that this side has not read yet.</summary>
    public int Unread => _socket.Available;

    public void Dispose() => _stream.Dispose();

    private sealed class FieldSink : IHeaderSink
    {
        public List<(string Name, string Value)> Fields { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}

/// <summary>A request as the scripted server read it.</summary>
internal sealed class ScriptedRequest(int streamId)
{
    public int StreamId { get; } = streamId;

    public List<byte> Block { get; } = [];

    public List<(string Name, string Value)>? Fields { get; set; }

    public List<byte> Body { get; } = [];

    public List<Http2FrameType> FrameTypes { get; } = [];

    public bool Ended { get; set; }

    public string Field(string name) => Fields!.First(f => f.Name == name).Value;
}
