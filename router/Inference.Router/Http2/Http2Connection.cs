using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Http2;

/// <summary>
/// One HTTP/2 cleartext connection with prior knowledge (RFC 9113, 3.3). Frames from any thread
/// are appended to one output buffer under the connection's lock; whoever finds no write in
/// progress sends it (so a request's HEADERS, DATA and END_STREAM leave in one socket write, and
/// frames appended meanwhile go out with the next). One loop reads and dispatches frames and wakes
/// the streams it delivered to once a whole read has been parsed.
/// </summary>
internal sealed class Http2Connection
{
    private const int DefaultWindow = 65535;
    private const int DefaultMaxFrameSize = 16384;
    private const int OurMaxFrameSize = 16384;
    private const int MaxHeaderBlock = 256 * 1024;
    private const int MaxHeaderList = 256 * 1024;

    private readonly Lock _sync = new();
    private readonly Http2ConnectionPool _pool;
    private readonly Http2HandlerOptions _options;
    private readonly Socket _socket;
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly TaskCompletionSource _settingsReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: MaxHeaderList);
    private readonly HeaderStringCache _strings = new();
    private readonly List<Http2Stream> _ready = [];
    private readonly List<Http2Signal> _windowWakes = [];
    private readonly long _created;

    // Guarded by _sync.
    private int _nextStreamId = 1;
    private int _reserved;
    private int _peerMaxStreams = int.MaxValue;
    private int _peerInitialWindow = DefaultWindow;
    private int _peerMaxFrameSize = DefaultMaxFrameSize;
    private long _sendWindow = DefaultWindow;
    private bool _goingAway;
    private int _goAwayLastId = int.MaxValue;
    private bool _closed;
    private Exception? _failure;
    private byte[] _out;
    private int _outLength;
    private byte[]? _spare;
    private bool _flushing;
    private long _idleSince;
    private bool _pingOutstanding;
    private long _pingSent;

    // Reading thread only.
    private long _receiveWindow;
    private int _receivedUncredited;
    private byte[] _headerBlock = [];
    private int _headerBlockLength;
    private int _headerBlockStream;
    private bool _headerBlockEndStream;
    private long _lastReceived;

    private Http2Connection(Http2ConnectionPool pool, Socket socket, Http2HandlerOptions options)
    {
        _pool = pool;
        _socket = socket;
        _options = options;
        _out = ArrayPool<byte>.Shared.Rent(16 * 1024);
        _spare = ArrayPool<byte>.Shared.Rent(16 * 1024);
        _created = _idleSince = _lastReceived = options.Time.GetTimestamp();
        _receiveWindow = Math.Max(options.ConnectionWindow, DefaultWindow);
    }

    private bool IsClosed
    {
        get
        {
            lock (_sync)
            {
                return _closed;
            }
        }
    }

    /// <summary>Connects, exchanges the preface and SETTINGS, and returns once the server's SETTINGS arrived.</summary>
    public static async Task<Http2Connection> ConnectAsync(Http2ConnectionPool pool, Http2HandlerOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Http2Connection? connection = null;
        try
        {
            try
            {
                await socket.ConnectAsync(pool.EndPoint, timeout.Token);
            }
            catch (SocketException ex)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"connecting to {pool.Authority} failed: {ex.Message}", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"connecting to {pool.Authority} timed out", ex);
            }

            connection = new Http2Connection(pool, socket, options);
            connection.WritePrefaceAndSettings();
            _ = connection.ReadLoopAsync();
            try
            {
                await connection._settingsReceived.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{pool.Authority} sent no HTTP/2 SETTINGS in time", ex);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not HttpRequestException)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{pool.Authority} did not start HTTP/2: {ex.Message}", ex);
            }

            return connection;
        }
        catch
        {
            if (connection is not null)
            {
                connection.Fail(new Http2ConnectionFailure(HttpRequestError.ConnectionError, "the connection could not be set up", null), Http2ErrorCode.Cancel);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    private void WritePrefaceAndSettings()
    {
        lock (_sync)
        {
            var preface = Http2Frame.Preface;
            var span = Reserve(preface.Length + Http2Frame.HeaderLength + 18);
            preface.CopyTo(span);
            span = span[preface.Length..];
            Http2Frame.Write(span, 18, Http2FrameType.Settings, 0, 0);
            WriteSetting(span[9..], Http2SettingId.EnablePush, 0);
            WriteSetting(span[15..], Http2SettingId.InitialWindowSize, (uint)_options.StreamWindow);
            WriteSetting(span[21..], Http2SettingId.MaxHeaderListSize, MaxHeaderList);
            if (_options.ConnectionWindow > DefaultWindow)
            {
                AppendWindowUpdate(0, _options.ConnectionWindow - DefaultWindow);
            }
        }

        ClaimAndFlush();
    }

    private static void WriteSetting(Span<byte> destination, Http2SettingId id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], value);
    }

    /// <summary>Reserves a stream slot if the connection takes new streams and is below the peer's limit.</summary>
    public bool TryReserve()
    {
        lock (_sync)
        {
            if (_closed || _goingAway || _reserved >= _peerMaxStreams || _nextStreamId + (2L * _reserved) >= int.MaxValue - 2)
            {
                return false;
            }

            _reserved++;
            return true;
        }
    }

    // ---- Request side. ----

    /// <summary>Buffers request body bytes; returns how many are buffered unsent.</summary>
    public int AppendBody(Http2Stream stream, ReadOnlySpan<byte> bytes)
    {
        lock (_sync)
        {
            // Sent bytes are dropped unless the whole body is kept for a possible resend.
            if (!stream.RetainBody && stream.BodySent == stream.BodyLength)
            {
                stream.BodySent = stream.BodyLength = 0;
            }

            stream.AppendBody(bytes);
            return stream.UnsentBody;
        }
    }

    /// <summary>Sends what the stream has buffered (HEADERS first if needed), waiting for window credit.</summary>
    public ValueTask PumpAsync(Http2Stream stream, bool endStream)
    {
        return Pump(stream, endStream, headersOnly: false, out var wait) ? default : WaitAndPumpAsync(stream, endStream, wait);
    }

    private async ValueTask WaitAndPumpAsync(Http2Stream stream, bool endStream, ValueTask wait)
    {
        do
        {
            await wait;
        }
        while (!Pump(stream, endStream, headersOnly: false, out wait));
    }

    /// <summary>Sends the HEADERS now if they have not gone (a body that is not ready yet must not hold them back).</summary>
    public void SendHeadersNow(Http2Stream stream) => Pump(stream, endStream: false, headersOnly: true, out _);

    /// <summary>
    /// Appends HEADERS (once) and as much buffered body as the windows allow, with END_STREAM when
    /// <paramref name="endStream"/> and everything fits, then sends. Returns false, with a wait
    /// for more window, when body bytes are left.
    /// </summary>
    public bool Pump(Http2Stream stream, bool endStream, bool headersOnly, out ValueTask wait)
    {
        wait = default;
        bool done;
        var requestClosed = false;
        lock (_sync)
        {
            if (_closed)
            {
                throw stream.HeadersSent
                    ? new IOException("the upstream connection closed", _failure)
                    : new Http2RefusedException("the upstream connection closed before the request was sent");
            }

            if (stream.HasFailed)
            {
                throw new IOException("the upstream stream was reset");
            }

            if (!stream.HeadersSent)
            {
                if (_goingAway)
                {
                    throw new Http2RefusedException("the upstream connection is going away");
                }

                stream.Id = _nextStreamId;
                _nextStreamId += 2;
                _streams.Add(stream.Id, stream);
                stream.SendWindow = _peerInitialWindow;
                var endOnHeaders = endStream && stream.UnsentBody == 0 && !headersOnly;
                WriteHeaders(stream, endOnHeaders);
                stream.HeadersSent = true;
                if (endOnHeaders)
                {
                    stream.RequestEnded = true;
                    requestClosed = true;
                }
            }

            if (!headersOnly)
            {
                while (stream.UnsentBody > 0)
                {
                    var chunk = (int)Math.Min(Math.Min(stream.UnsentBody, _peerMaxFrameSize), Math.Min(_sendWindow, stream.SendWindow));
                    if (chunk <= 0)
                    {
                        break;
                    }

                    var last = endStream && chunk == stream.UnsentBody;
                    var span = Reserve(Http2Frame.HeaderLength + chunk);
                    Http2Frame.Write(span, chunk, Http2FrameType.Data, last ? Http2Flags.EndStream : (byte)0, stream.Id);
                    stream.Body.AsSpan(stream.BodySent, chunk).CopyTo(span[Http2Frame.HeaderLength..]);
                    stream.BodySent += chunk;
                    _sendWindow -= chunk;
                    stream.SendWindow -= chunk;
                    if (last)
                    {
                        stream.RequestEnded = true;
                        requestClosed = true;
                    }
                }

                if (endStream && stream.UnsentBody == 0 && !stream.RequestEnded)
                {
                    Http2Frame.Write(Reserve(Http2Frame.HeaderLength), 0, Http2FrameType.Data, Http2Flags.EndStream, stream.Id);
                    stream.RequestEnded = true;
                    requestClosed = true;
                }
            }

            done = headersOnly || stream.UnsentBody == 0;
            if (!done)
            {
                wait = stream.WindowSignal.Arm();
            }
        }

        ClaimAndFlush();
        if (requestClosed && stream.CloseRequestSide())
        {
            Release(stream);
        }

        return done;
    }

    private void WriteHeaders(Http2Stream stream, bool endStream)
    {
        var block = stream.HeaderBlock.AsSpan(0, stream.HeaderBlockLength);
        var first = true;
        do
        {
            var length = Math.Min(block.Length, _peerMaxFrameSize);
            var flags = (byte)(length == block.Length ? Http2Flags.EndHeaders : 0);
            if (first && endStream)
            {
                flags |= Http2Flags.EndStream;
            }

            var span = Reserve(Http2Frame.HeaderLength + length);
            Http2Frame.Write(span, length, first ? Http2FrameType.Headers : Http2FrameType.Continuation, flags, stream.Id);
            block[..length].CopyTo(span[Http2Frame.HeaderLength..]);
            block = block[length..];
            first = false;
        }
        while (!block.IsEmpty);
    }

    /// <summary>Sends a refused stream again on this connection (its whole body is retained).</summary>
    public void Resend(Http2Stream stream)
    {
        if (!Pump(stream, endStream: true, headersOnly: false, out var wait))
        {
            _ = FinishResendAsync(stream, wait);
        }
    }

    private async Task FinishResendAsync(Http2Stream stream, ValueTask wait)
    {
        try
        {
            await wait;
            await PumpAsync(stream, endStream: true);
        }
        catch (Exception ex)
        {
            stream.AbortRequest(ex);
        }
    }

    /// <summary>Resets the stream (RST_STREAM if it was sent), fails its waits and releases it.</summary>
    public void Abort(Http2Stream stream, Http2ErrorCode code)
    {
        Http2Signal? window = null;
        lock (_sync)
        {
            if (stream.Id != 0 && !_closed && _streams.TryGetValue(stream.Id, out var open) && open == stream)
            {
                var span = Reserve(Http2Frame.HeaderLength + 4);
                Http2Frame.Write(span, 4, Http2FrameType.RstStream, 0, stream.Id);
                BinaryPrimitives.WriteUInt32BigEndian(span[Http2Frame.HeaderLength..], (uint)code);
            }

            if (stream.WindowSignal.Disarm())
            {
                window = stream.WindowSignal;
            }
        }

        ClaimAndFlush();
        window?.Fail(new IOException($"the stream was reset ({code})"));
        stream.CancelBody();
        stream.CloseRequestSide();
        stream.CloseResponseSide();
        Release(stream);
    }

    /// <summary>Frees the stream's slot (once per binding) and closes a draining connection that became idle.</summary>
    public void Release(Http2Stream stream)
    {
        if (!stream.TryMarkReleased())
        {
            return;
        }

        bool close;
        lock (_sync)
        {
            if (stream.Id != 0 && _streams.TryGetValue(stream.Id, out var open) && open == stream)
            {
                _streams.Remove(stream.Id);
            }

            _reserved--;
            if (_reserved == 0)
            {
                _idleSince = _options.Time.GetTimestamp();
            }

            close = _goingAway && _reserved == 0 && !_closed;
        }

        stream.ReturnResponseBuffers();
        stream.OnReleased();
        if (close)
        {
            CloseGracefully();
        }
    }

    /// <summary>Returns the stream's request buffers to the pool.</summary>
    public void ReturnBody(Http2Stream stream)
    {
        lock (_sync)
        {
            if (stream.Body.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(stream.Body);
                stream.Body = [];
                stream.BodyLength = stream.BodySent = 0;
            }

            if (stream.HeaderBlock.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(stream.HeaderBlock);
                stream.HeaderBlock = [];
                stream.HeaderBlockLength = 0;
            }
        }
    }

    public void SendWindowUpdate(int streamId, int increment)
    {
        lock (_sync)
        {
            if (_closed || !_streams.ContainsKey(streamId))
            {
                return;
            }

            AppendWindowUpdate(streamId, increment);
        }

        ClaimAndFlush();
    }

    private void AppendWindowUpdate(int streamId, int increment)
    {
        var span = Reserve(Http2Frame.HeaderLength + 4);
        Http2Frame.Write(span, 4, Http2FrameType.WindowUpdate, 0, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2Frame.HeaderLength..], (uint)increment);
    }

    // ---- Output. ----

    /// <summary>Room for <paramref name="length"/> more bytes in the output buffer (lock held).</summary>
    private Span<byte> Reserve(int length)
    {
        if (_outLength + length > _out.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_outLength + length, _out.Length * 2));
            _out.AsSpan(0, _outLength).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_out);
            _out = grown;
        }

        var span = _out.AsSpan(_outLength, length);
        _outLength += length;
        return span;
    }

    /// <summary>Sends the output buffer unless a send is already in progress (it will pick the bytes up).</summary>
    private void ClaimAndFlush()
    {
        lock (_sync)
        {
            if (_flushing || _outLength == 0 || _closed)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushLoopAsync();
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                int length;
                bool closing;
                lock (_sync)
                {
                    closing = _closed;
                    if (!closing && _outLength == 0)
                    {
                        _flushing = false;
                        return;
                    }

                    (buffer, length) = (_out, _outLength);
                    _outLength = 0;
                    if (closing)
                    {
                        // The connection failed during the previous send and left its closing frames (GOAWAY) for
                        // this loop to send before the socket closes; anything appended later goes nowhere.
                        _flushing = false;
                        _out = new byte[256];
                    }
                    else
                    {
                        _out = _spare ?? ArrayPool<byte>.Shared.Rent(16 * 1024);
                        _spare = null;
                    }
                }

                if (closing)
                {
                    await CloseSocketAsync(buffer, length);
                    return;
                }

                var sent = 0;
                while (sent < length)
                {
                    sent += await _socket.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None);
                }

                lock (_sync)
                {
                    if (_spare is null && !_closed)
                    {
                        _spare = buffer;
                    }
                    else
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            bool closed;
            lock (_sync)
            {
                _flushing = false;
                closed = _closed;
            }

            if (closed)
            {
                await CloseSocketAsync(null, 0);
            }
            else
            {
                Fail(Describe(ex, "writing to"), Http2ErrorCode.InternalError);
            }
        }
    }

    // ---- Input. ----

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < OurMaxFrameSize + Http2Frame.HeaderLength)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (read == 0)
                {
                    Fail(new Http2ConnectionFailure(HttpRequestError.ResponseEnded, $"{_pool.Authority} closed the connection", null), null);
                    return;
                }

                end += read;
                _lastReceived = _options.Time.GetTimestamp();
                while (end - start >= Http2Frame.HeaderLength)
                {
                    var frame = Http2Frame.Read(buffer.AsSpan(start, Http2Frame.HeaderLength));
                    if (frame.Length > OurMaxFrameSize)
                    {
                        throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, $"a frame of {frame.Length} bytes exceeds SETTINGS_MAX_FRAME_SIZE");
                    }

                    if (end - start - Http2Frame.HeaderLength < frame.Length)
                    {
                        break;
                    }

                    ProcessFrame(frame, buffer.AsSpan(start + Http2Frame.HeaderLength, frame.Length));
                    start += Http2Frame.HeaderLength + frame.Length;
                }

                if (start == end)
                {
                    start = end = 0;
                }

                ClaimAndFlush();
                WakeReady();
                if (IsClosed)
                {
                    return;
                }
            }
        }
        catch (Http2ConnectionException ex)
        {
            Fail(new Http2ConnectionFailure(HttpRequestError.HttpProtocolError, $"HTTP/2 protocol error with {_pool.Authority}: {ex.Message}", ex), ex.Code);
        }
        catch (HpackException ex)
        {
            Fail(new Http2ConnectionFailure(HttpRequestError.HttpProtocolError, $"undecodable headers from {_pool.Authority}: {ex.Message}", ex), Http2ErrorCode.CompressionError);
        }
        catch (Exception ex)
        {
            Fail(Describe(ex, "reading from"), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            WakeReady();
        }
    }

    private Http2ConnectionFailure Describe(Exception ex, string action)
    {
        // A socket error stays the innermost exception: the router takes the endpoint out for it.
        var socket = ex as SocketException ?? ex.InnerException as SocketException;
        return socket is not null
            ? new Http2ConnectionFailure(HttpRequestError.Unknown, $"{action} {_pool.Authority} failed: {socket.Message}", new IOException(socket.Message, socket))
            : new Http2ConnectionFailure(HttpRequestError.Unknown, $"{action} {_pool.Authority} failed: {ex.Message}", ex);
    }

    /// <summary>Queues a stream to be woken once the current read is parsed (once, however many frames it got).</summary>
    private void AddReady(Http2Stream stream)
    {
        if (!stream.QueuedForWake)
        {
            stream.QueuedForWake = true;
            _ready.Add(stream);
        }
    }

    private void WakeReady()
    {
        foreach (var stream in _ready)
        {
            stream.QueuedForWake = false;
        }

        // One stream resumes here, on the reading thread (the single-call case: no hop). When one
        // read delivered to several, the others resume on the thread pool, so their forwarding work
        // runs in parallel instead of one after another on this thread.
        for (var i = 0; i < _ready.Count - 1; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static stream => stream.Wake(), _ready[i], preferLocal: false);
        }

        if (_ready.Count > 0)
        {
            _ready[^1].Wake();
        }

        _ready.Clear();
        for (var i = 0; i < _windowWakes.Count; i++)
        {
            _windowWakes[i].Complete();
        }

        _windowWakes.Clear();
    }

    private void ProcessFrame(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (_headerBlockStream != 0 && frame.Type != Http2FrameType.Continuation)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"a {frame.Type} frame inside a header block");
        }

        switch (frame.Type)
        {
            case Http2FrameType.Data:
                OnData(frame, payload);
                break;
            case Http2FrameType.Headers:
                OnHeaders(frame, payload);
                break;
            case Http2FrameType.Continuation:
                OnContinuation(frame, payload);
                break;
            case Http2FrameType.RstStream:
                OnRstStream(frame, payload);
                break;
            case Http2FrameType.Settings:
                OnSettings(frame, payload);
                break;
            case Http2FrameType.PushPromise:
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PUSH_PROMISE although push is disabled");
            case Http2FrameType.Ping:
                OnPing(frame, payload);
                break;
            case Http2FrameType.GoAway:
                OnGoAway(frame, payload);
                break;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(frame, payload);
                break;
            default:
                // PRIORITY and unknown frame types are ignored (RFC 9113, 4.1 and 5.3.2).
                break;
        }
    }

    private Http2Stream? Find(int streamId)
    {
        lock (_sync)
        {
            return _streams.GetValueOrDefault(streamId);
        }
    }

    private bool IsIdle(int streamId)
    {
        lock (_sync)
        {
            return (streamId & 1) == 0 || streamId >= _nextStreamId;
        }
    }

    private static ReadOnlySpan<byte> Unpad(Http2Frame frame, ReadOnlySpan<byte> payload, int extra)
    {
        var offset = 0;
        var padding = 0;
        if (frame.Has(Http2Flags.Padded))
        {
            if (payload.IsEmpty)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "a padded frame without a pad length");
            }

            padding = payload[0];
            offset = 1;
        }

        offset += extra;
        if (offset + padding > payload.Length)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "padding exceeds the frame");
        }

        return payload[offset..(payload.Length - padding)];
    }

    private void OnData(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "DATA on stream 0");
        }

        var data = Unpad(frame, payload, 0);
        _receiveWindow -= frame.Length;
        if (_receiveWindow < 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "the upstream overran the connection window");
        }

        // Streams bound what is buffered; the connection window is credited as data arrives.
        _receivedUncredited += frame.Length;
        if (_receivedUncredited >= _options.ConnectionWindow / 4)
        {
            lock (_sync)
            {
                AppendWindowUpdate(0, _receivedUncredited);
            }

            _receiveWindow += _receivedUncredited;
            _receivedUncredited = 0;
        }

        var stream = Find(frame.StreamId);
        if (stream is null)
        {
            if (IsIdle(frame.StreamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"DATA on idle stream {frame.StreamId}");
            }

            return;
        }

        var reset = stream.OnData(data, frame.Length, frame.Has(Http2Flags.EndStream), out var wake);
        Deliver(stream, reset, wake);
    }

    private void Deliver(Http2Stream stream, Http2ErrorCode? reset, bool wake)
    {
        if (wake)
        {
            AddReady(stream);
        }

        if (reset is { } code)
        {
            AddReady(stream);
            Abort(stream, code);
        }
    }

    private void OnHeaders(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "HEADERS on stream 0");
        }

        var fragment = Unpad(frame, payload, frame.Has(Http2Flags.Priority) ? 5 : 0);
        if (frame.Has(Http2Flags.EndHeaders))
        {
            OnHeaderBlock(frame.StreamId, fragment, frame.Has(Http2Flags.EndStream));
            return;
        }

        _headerBlockStream = frame.StreamId;
        _headerBlockEndStream = frame.Has(Http2Flags.EndStream);
        _headerBlockLength = 0;
        AppendHeaderFragment(fragment);
    }

    private void OnContinuation(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (_headerBlockStream == 0 || frame.StreamId != _headerBlockStream)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "CONTINUATION without a header block in progress");
        }

        AppendHeaderFragment(payload);
        if (frame.Has(Http2Flags.EndHeaders))
        {
            var streamId = _headerBlockStream;
            _headerBlockStream = 0;
            OnHeaderBlock(streamId, _headerBlock.AsSpan(0, _headerBlockLength), _headerBlockEndStream);
        }
    }

    private void AppendHeaderFragment(ReadOnlySpan<byte> fragment)
    {
        if (_headerBlockLength + fragment.Length > MaxHeaderBlock)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, "a header block exceeds 256 KiB");
        }

        if (_headerBlockLength + fragment.Length > _headerBlock.Length)
        {
            var grown = new byte[Math.Max(_headerBlockLength + fragment.Length, Math.Max(4096, _headerBlock.Length * 2))];
            _headerBlock.AsSpan(0, _headerBlockLength).CopyTo(grown);
            _headerBlock = grown;
        }

        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength += fragment.Length;
    }

    private void OnHeaderBlock(int streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        var stream = Find(streamId);
        if (stream is null)
        {
            if (IsIdle(streamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"HEADERS on idle stream {streamId}");
            }

            // A stream we reset or finished: decode anyway to keep the dynamic table in step.
            _decoder.Decode(block, DiscardingSink.Instance);
            return;
        }

        var reset = stream.OnHeaders(_decoder, block, endStream, _strings, out var wake);
        Deliver(stream, reset, wake);
    }

    private void OnRstStream(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "RST_STREAM on stream 0");
        }

        if (frame.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "RST_STREAM must be 4 bytes");
        }

        var stream = Find(frame.StreamId);
        if (stream is null)
        {
            if (IsIdle(frame.StreamId))
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {frame.StreamId}");
            }

            return;
        }

        var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
        var completeResponse = code == Http2ErrorCode.NoError && stream.ResponseEnded && !stream.HasFailed;

        // The stream is closed on both sides now (no RST_STREAM is sent back). It leaves the
        // connection before its waiters learn why: a refused stream may be bound to another one at once.
        Http2Signal? window = null;
        lock (_sync)
        {
            _streams.Remove(frame.StreamId);
            if (stream.WindowSignal.Disarm())
            {
                window = stream.WindowSignal;
            }
        }

        window?.Fail(new IOException($"the upstream reset the stream ({code})"));
        stream.CancelBody();
        if (completeResponse)
        {
            // Only "stop sending": the caller still reads the complete response.
            if (stream.CloseRequestSide())
            {
                Release(stream);
            }

            return;
        }

        stream.CloseRequestSide();
        stream.CloseResponseSide();
        Release(stream);
        stream.OnReset(code, out var wake);
        if (wake)
        {
            AddReady(stream);
        }
    }

    private void OnSettings(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS on a stream");
        }

        if (frame.Has(Http2Flags.Ack))
        {
            if (frame.Length != 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "a SETTINGS ACK with a payload");
            }

            return;
        }

        if (frame.Length % 6 != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "SETTINGS length is not a multiple of 6");
        }

        lock (_sync)
        {
            for (var offset = 0; offset < payload.Length; offset += 6)
            {
                var id = (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]);
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(offset + 2)..]);
                switch (id)
                {
                    case Http2SettingId.MaxConcurrentStreams:
                        _peerMaxStreams = (int)Math.Min(value, int.MaxValue);
                        break;
                    case Http2SettingId.InitialWindowSize:
                        if (value > int.MaxValue)
                        {
                            throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
                        }

                        var delta = (int)value - _peerInitialWindow;
                        _peerInitialWindow = (int)value;
                        foreach (var stream in _streams.Values)
                        {
                            stream.SendWindow += delta;
                            if (stream.SendWindow > int.MaxValue)
                            {
                                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "a stream window overflows");
                            }

                            if (delta > 0 && stream.WindowSignal.Disarm())
                            {
                                _windowWakes.Add(stream.WindowSignal);
                            }
                        }

                        break;
                    case Http2SettingId.MaxFrameSize:
                        if (value is < DefaultMaxFrameSize or > 16777215)
                        {
                            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE {value} is out of range");
                        }

                        _peerMaxFrameSize = (int)value;
                        break;
                    case Http2SettingId.EnablePush:
                        if (value > 1)
                        {
                            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH must be 0 or 1");
                        }

                        break;
                    default:
                        // HEADER_TABLE_SIZE needs nothing (our encoder never indexes); others are advisory or unknown.
                        break;
                }
            }

            Http2Frame.Write(Reserve(Http2Frame.HeaderLength), 0, Http2FrameType.Settings, Http2Flags.Ack, 0);
        }

        _settingsReceived.TrySetResult();
    }

    private void OnPing(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PING on a stream");
        }

        if (frame.Length != 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "PING must be 8 bytes");
        }

        lock (_sync)
        {
            if (frame.Has(Http2Flags.Ack))
            {
                _pingOutstanding = false;
                return;
            }

            var span = Reserve(Http2Frame.HeaderLength + 8);
            Http2Frame.Write(span, 8, Http2FrameType.Ping, Http2Flags.Ack, 0);
            payload.CopyTo(span[Http2Frame.HeaderLength..]);
        }
    }

    private void OnGoAway(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "GOAWAY on a stream");
        }

        if (frame.Length < 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "GOAWAY shorter than 8 bytes");
        }

        var lastStreamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
        var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        List<Http2Stream>? refused = null;
        bool close;
        lock (_sync)
        {
            _goingAway = true;
            _goAwayLastId = Math.Min(_goAwayLastId, lastStreamId);
            foreach (var stream in _streams.Values)
            {
                if (stream.Id > _goAwayLastId)
                {
                    (refused ??= []).Add(stream);
                }
            }

            close = _reserved - (refused?.Count ?? 0) <= 0;
        }

        // Stays in the pool until it closes (no new stream reserves it): the pool's keep-alive pings and its
        // disposal must still reach the streams that finish here.
        if (refused is not null)
        {
            foreach (var stream in refused)
            {
                // Released before its waiter learns of the refusal (it may be sent again elsewhere at once).
                stream.CancelBody();
                stream.CloseRequestSide();
                stream.CloseResponseSide();
                Release(stream);
                stream.OnRefused($"{_pool.Authority} is going away ({code}) and did not process the stream", out var wake);
                if (wake)
                {
                    AddReady(stream);
                }
            }
        }

        if (close)
        {
            CloseGracefully();
        }
    }

    private void OnWindowUpdate(Http2Frame frame, ReadOnlySpan<byte> payload)
    {
        if (frame.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE must be 4 bytes");
        }

        var increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
        if (frame.StreamId == 0)
        {
            if (increment == 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "a connection WINDOW_UPDATE of 0");
            }

            lock (_sync)
            {
                _sendWindow += increment;
                if (_sendWindow > int.MaxValue)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "the connection send window overflows");
                }

                foreach (var stream in _streams.Values)
                {
                    if (stream.WindowSignal.Disarm())
                    {
                        _windowWakes.Add(stream.WindowSignal);
                    }
                }
            }

            return;
        }

        var target = Find(frame.StreamId);
        if (target is null)
        {
            return;
        }

        if (increment == 0)
        {
            target.FailWithStreamError(Http2ErrorCode.ProtocolError, "a stream WINDOW_UPDATE of 0");
            AddReady(target);
            Abort(target, Http2ErrorCode.ProtocolError);
            return;
        }

        var overflow = false;
        lock (_sync)
        {
            target.SendWindow += increment;
            if (target.SendWindow > int.MaxValue)
            {
                overflow = true;
            }
            else if (target.WindowSignal.Disarm())
            {
                _windowWakes.Add(target.WindowSignal);
            }
        }

        if (overflow)
        {
            target.FailWithStreamError(Http2ErrorCode.FlowControlError, "the upstream overflowed the stream's send window");
            AddReady(target);
            Abort(target, Http2ErrorCode.FlowControlError);
        }
    }

    // ---- Lifetime. ----

    /// <summary>Housekeeping from the handler's timer: idle close, lifetime drain, keep-alive PING.</summary>
    public void Tick(long now)
    {
        var time = _options.Time;
        var close = false;
        Exception? failure = null;
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            if (_reserved == 0)
            {
                close = time.GetElapsedTime(_idleSince, now) >= _options.IdleTimeout
                    || time.GetElapsedTime(_created, now) >= _options.ConnectionLifetime;
                // No stream may be reserved between this decision and the close.
                _goingAway |= close;
            }
            else
            {
                if (time.GetElapsedTime(_created, now) >= _options.ConnectionLifetime)
                {
                    _goingAway = true;
                }

                if (_pingOutstanding && time.GetElapsedTime(_pingSent, now) >= _options.KeepAlivePingTimeout)
                {
                    failure = new Http2ConnectionFailure(HttpRequestError.Unknown, $"{_pool.Authority} did not answer a keep-alive PING", null);
                }
                else if (!_pingOutstanding && time.GetElapsedTime(Volatile.Read(ref _lastReceived), now) >= _options.KeepAlivePingDelay)
                {
                    _pingOutstanding = true;
                    _pingSent = now;
                    var span = Reserve(Http2Frame.HeaderLength + 8);
                    Http2Frame.Write(span, 8, Http2FrameType.Ping, 0, 0);
                    BinaryPrimitives.WriteInt64BigEndian(span[Http2Frame.HeaderLength..], now);
                }
            }
        }

        if (failure is not null)
        {
            Fail(failure, Http2ErrorCode.NoError);
        }
        else if (close)
        {
            _pool.Remove(this);
            CloseGracefully();
        }
        else
        {
            ClaimAndFlush();
        }
    }

    /// <summary>Sends GOAWAY(NO_ERROR) and closes; only called when no stream is open.</summary>
    public void CloseGracefully() =>
        Fail(new Http2ConnectionFailure(HttpRequestError.Unknown, $"the connection to {_pool.Authority} was closed", null), Http2ErrorCode.NoError);

    /// <summary>Ends the connection: GOAWAY when <paramref name="code"/> is given, then the socket closes and every stream fails.</summary>
    public void Fail(Exception failure, Http2ErrorCode? code)
    {
        List<Http2Stream> streams;
        List<Http2Signal> windows = [];
        byte[]? pending = null;
        var pendingLength = 0;
        bool flushing;
        int lastId;
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _failure = failure;
            lastId = _goAwayLastId;
            streams = [.. _streams.Values];
            _streams.Clear();
            foreach (var stream in streams)
            {
                if (stream.WindowSignal.Disarm())
                {
                    windows.Add(stream.WindowSignal);
                }
            }

            if (code is { } errorCode)
            {
                var span = Reserve(Http2Frame.HeaderLength + 8);
                Http2Frame.Write(span, 8, Http2FrameType.GoAway, 0, 0);
                BinaryPrimitives.WriteUInt32BigEndian(span[Http2Frame.HeaderLength..], 0);
                BinaryPrimitives.WriteUInt32BigEndian(span[(Http2Frame.HeaderLength + 4)..], (uint)errorCode);
            }

            flushing = _flushing;
            if (!flushing)
            {
                // Handed to the closing send; anything appended later goes nowhere.
                pending = _out;
                pendingLength = _outLength;
                _out = new byte[256];
                _outLength = 0;
            }
        }

        _pool.Remove(this);
        _settingsReceived.TrySetException(failure);
        if (flushing)
        {
            // The send in progress sends the GOAWAY after its bytes and closes the socket; a peer that stopped
            // reading cannot hold the socket open past the same second the closing send is given.
            _ = CloseSoonAsync();
        }
        else
        {
            _ = CloseSocketAsync(pending, pendingLength);
        }

        foreach (var window in windows)
        {
            window.Fail(new IOException(failure.Message, failure));
        }

        foreach (var stream in streams)
        {
            stream.CancelBody();
            stream.CloseRequestSide();
            stream.CloseResponseSide();
            Release(stream);
            stream.OnConnectionFailed(failure, refused: stream.Id > lastId, out _);
            stream.Wake();
        }
    }

    private async Task CloseSoonAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        _socket.Dispose();
    }

    /// <summary>Sends the last frames (GOAWAY) if the socket takes them within a second, then closes it.</summary>
    private async Task CloseSocketAsync(byte[]? pending, int length)
    {
        try
        {
            if (pending is not null && length > 0)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _socket.SendAsync(pending.AsMemory(0, length), SocketFlags.None, timeout.Token);
            }

            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _socket.Dispose();
        }
    }

    private sealed class DiscardingSink : IHeaderSink
    {
        public static readonly DiscardingSink Instance = new();

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex)
        {
        }
    }
}
