using System.Buffers;
using System.Net;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Http2;

/// <summary>
/// One request/response exchange. It is also the response body stream handed to the caller.
/// Request-side fields (header block, body buffer, send window, what was sent) are guarded by the
/// connection's lock; response-side state by this stream's own lock. The connection's reading
/// thread delivers headers, data and resets; the caller waits for the response and reads the body.
/// </summary>
internal sealed class Http2Stream : Stream, IHeaderSink
{
    private readonly Lock _sync = new();
    private readonly Http2Signal _headersSignal;
    private readonly Http2Signal _dataSignal;
    private readonly CancellationToken _requestToken;
    private readonly int _receiveWindowSize;
    private CancellationTokenRegistration _requestCancellation;
    private CancellationTokenSource? _bodyCancellation;

    // Response side (under _sync).
    private HttpResponseMessage? _response;
    private HeaderPhase _phase;
    private bool _responseReady;
    private bool _responseEnded;
    private bool _responseClosed;
    private Exception? _error;
    private bool _refused;
    private byte[] _data = [];
    private int _dataStart;
    private int _dataEnd;
    private int _receiveWindow;
    private int _consumedUncredited;
    private bool _disposed;

    private int _requestSideOpen;
    private int _responseSideOpen;
    private int _released;
    private int _cleanedUp;

    public Http2Stream(HttpRequestMessage request, Http2HandlerOptions options, CancellationToken requestToken)
    {
        Request = request;
        _requestToken = requestToken;
        _receiveWindowSize = options.StreamWindow;
        _headersSignal = new Http2Signal(options.InlineCompletions);
        _dataSignal = new Http2Signal(options.InlineCompletions);
        WindowSignal = new Http2Signal(options.InlineCompletions);
    }

    private enum HeaderPhase
    {
        Response,
        Informational,
        Trailers,
        Done,
    }

    public HttpRequestMessage Request { get; }

    public Http2Connection? Connection { get; private set; }

    /// <summary>Stream id; 0 until HEADERS are written.</summary>
    public int Id { get; set; }

    // Request side, guarded by the connection's lock.
    public byte[] HeaderBlock = [];
    public int HeaderBlockLength;
    public byte[] Body = [];
    public int BodyLength;
    public int BodySent;
    public bool HeadersSent;
    public bool RequestEnded;
    public long SendWindow;

    /// <summary>Set while the whole body is kept from its first byte, so a refused stream can be sent again.</summary>
    public bool RetainBody;

    /// <summary>The body was complete when it was first sent (its content finished synchronously).</summary>
    public bool BodyComplete;

    /// <summary>In the reading thread's list of streams to wake (that thread alone uses it).</summary>
    public bool QueuedForWake;

    /// <summary>Woken when the send window grows (or the stream fails); armed and disarmed under the connection's lock.</summary>
    public Http2Signal WindowSignal { get; }

    public int UnsentBody => BodyLength - BodySent;

    /// <summary>Cancels the request body's copy: the stream was reset, or the response ended first.</summary>
    public CancellationToken BodyToken => (_bodyCancellation ??= new CancellationTokenSource()).Token;

    /// <summary>A refused stream can go again only if its whole body is still here.</summary>
    public bool CanResend => RetainBody && BodyComplete;

    /// <summary>Attaches the stream to a connection that reserved a slot for it.</summary>
    public void Bind(Http2Connection connection)
    {
        Connection = connection;
        Id = 0;
        HeadersSent = false;
        RequestEnded = false;
        BodySent = 0;
        SendWindow = 0;
        _requestSideOpen = 1;
        _responseSideOpen = 1;
        _released = 0;
        lock (_sync)
        {
            _receiveWindow = _receiveWindowSize;
            _error = null;
            _refused = false;
            _phase = HeaderPhase.Response;
            _response = null;
            _responseReady = false;
            _responseEnded = false;
            _responseClosed = false;
        }
    }

    public void RegisterCancellation()
    {
        if (_requestToken.CanBeCanceled)
        {
            _requestCancellation = _requestToken.UnsafeRegister(static s => ((Http2Stream)s!).Cancel(), this);
        }
    }

    /// <summary>Appends request body bytes (called by the body stream; under the connection's lock).</summary>
    public void AppendBody(ReadOnlySpan<byte> bytes)
    {
        if (BodyLength + bytes.Length > Body.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(BodyLength + bytes.Length, Math.Max(4096, Body.Length * 2)));
            Body.AsSpan(0, BodyLength).CopyTo(grown);
            if (Body.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Body);
            }

            Body = grown;
        }

        bytes.CopyTo(Body.AsSpan(BodyLength));
        BodyLength += bytes.Length;
    }

    /// <summary>
    /// The final response if it is here, else a wait for it (then call <see cref="TakeResponse"/>);
    /// throws <see cref="Http2RefusedException"/> when the server refused the stream.
    /// </summary>
    public HttpResponseMessage? TryGetResponse(out ValueTask wait)
    {
        wait = default;
        lock (_sync)
        {
            if (TryTakeResponse(out var response))
            {
                return response;
            }

            wait = _headersSignal.Arm();
            return null;
        }
    }

    /// <summary>The response after the wait of <see cref="TryGetResponse"/> ended.</summary>
    public HttpResponseMessage TakeResponse()
    {
        lock (_sync)
        {
            return TryTakeResponse(out var response) ? response : throw new InvalidOperationException("the response wait ended without a response or an error");
        }
    }

    private bool TryTakeResponse(out HttpResponseMessage response)
    {
        if (_responseReady)
        {
            response = _response!;
            return true;
        }

        if (_error is not null)
        {
            throw _refused ? new Http2RefusedException(_error.Message) : WrapForSend(_error);
        }

        response = null!;
        return false;
    }

    private Exception WrapForSend(Exception error) => error switch
    {
        OperationCanceledException canceled => new TaskCanceledException("The request was canceled.", canceled, _requestToken),
        HttpRequestException request => request,
        Http2ConnectionFailure failure => new HttpRequestException(failure.Error, failure.Message, failure.InnerException),
        HttpProtocolException protocol => new HttpRequestException(HttpRequestError.HttpProtocolError, protocol.Message, protocol),
        _ => new HttpRequestException(HttpRequestError.Unknown, error.Message, error),
    };

    private static Exception WrapForRead(Exception error) => error switch
    {
        OperationCanceledException canceled => new OperationCanceledException(canceled.Message, canceled),
        IOException io => io,
        Http2ConnectionFailure failure => new IOException(failure.Message, failure.InnerException),
        _ => new IOException(error.Message, error),
    };

    // ---- Called by the connection's reading thread. Return true when a waiter must be woken. ----

    /// <summary>Decodes a complete header block for this stream; returns the RST_STREAM code to send, if any.</summary>
    public Http2ErrorCode? OnHeaders(HpackDecoder decoder, ReadOnlySpan<byte> block, bool endStream, HeaderStringCache strings, out bool wake)
    {
        wake = false;
        Strings = strings;
        // Decoded even when nobody reads the result: the dynamic table must stay in step.
        decoder.Decode(block, this);
        Strings = null;
        lock (_sync)
        {
            if (_responseClosed)
            {
                return null;
            }

            switch (_phase)
            {
                case HeaderPhase.Informational:
                    _phase = HeaderPhase.Response;
                    return endStream
                        ? FailLocked(new HttpProtocolException((long)Http2ErrorCode.ProtocolError, "an informational response that ends the stream", null), out wake)
                        : null;
                case HeaderPhase.Response:
                    if (_response is null)
                    {
                        return FailLocked(new HttpProtocolException((long)Http2ErrorCode.ProtocolError, "the response headers have no :status", null), out wake);
                    }

                    _phase = HeaderPhase.Trailers;
                    _responseReady = true;
                    // The response exists now: a later refusal is no longer possible.
                    RetainBody = false;
                    wake = _headersSignal.Armed;
                    if (endStream)
                    {
                        _responseEnded = true;
                        wake |= _dataSignal.Armed;
                    }

                    return null;
                case HeaderPhase.Trailers:
                    if (!endStream)
                    {
                        return FailLocked(new HttpProtocolException((long)Http2ErrorCode.ProtocolError, "trailers without END_STREAM", null), out wake);
                    }

                    _phase = HeaderPhase.Done;
                    _responseEnded = true;
                    wake = _dataSignal.Armed;
                    return null;
                default:
                    return FailLocked(new HttpProtocolException((long)Http2ErrorCode.ProtocolError, "headers after the end of the stream", null), out wake);
            }
        }
    }

    /// <summary>Where header strings come from while a block is decoded (the reading thread's cache).</summary>
    private HeaderStringCache? Strings { get; set; }

    void IHeaderSink.OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex)
    {
        switch (_phase)
        {
            case HeaderPhase.Response:
                if (_response is null)
                {
                    if (!name.SequenceEqual(":status"u8) || !TryParseStatus(value, out var status))
                    {
                        return;
                    }

                    if (status is >= 100 and < 200)
                    {
                        _phase = HeaderPhase.Informational;
                        return;
                    }

                    _response = new HttpResponseMessage((HttpStatusCode)status)
                    {
                        Version = HttpVersion.Version20,
                        RequestMessage = Request,
                        Content = new Http2ResponseContent(this),
                    };
                    return;
                }

                if (name.IsEmpty || name[0] == (byte)':')
                {
                    return;
                }

                var headerName = Strings!.Name(name, staticIndex);
                var headerValue = Strings.Value(value);
                if (!_response.Headers.TryAddWithoutValidation(headerName, headerValue))
                {
                    _response.Content.Headers.TryAddWithoutValidation(headerName, headerValue);
                }

                return;
            case HeaderPhase.Trailers:
                if (_response is not null && !name.IsEmpty && name[0] != (byte)':')
                {
                    _response.TrailingHeaders.TryAddWithoutValidation(Strings!.Name(name, staticIndex), Strings.Value(value));
                }

                return;
            default:
                return;
        }
    }

    private static bool TryParseStatus(ReadOnlySpan<byte> value, out int status)
    {
        status = 0;
        if (value.Length != 3)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            status = (status * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>Response body bytes (already counted against the connection window).</summary>
    public Http2ErrorCode? OnData(ReadOnlySpan<byte> data, int flowControlled, bool endStream, out bool wake)
    {
        wake = false;
        lock (_sync)
        {
            if (_responseClosed)
            {
                return null;
            }

            if (_phase != HeaderPhase.Trailers || _responseEnded)
            {
                return FailLocked(new HttpProtocolException((long)Http2ErrorCode.ProtocolError, "DATA outside the response body", null), out wake);
            }

            _receiveWindow -= flowControlled;
            if (_receiveWindow < 0)
            {
                return FailLocked(new HttpProtocolException((long)Http2ErrorCode.FlowControlError, "the upstream overran the stream window", null), out wake);
            }

            if (!data.IsEmpty)
            {
                EnsureDataRoom(data.Length);
                data.CopyTo(_data.AsSpan(_dataEnd));
                _dataEnd += data.Length;
            }

            // Padding is flow-controlled but never read: credit it as if it were consumed.
            _consumedUncredited += flowControlled - data.Length;
            if (endStream)
            {
                _responseEnded = true;
                _phase = HeaderPhase.Done;
            }

            wake = _dataSignal.Armed;
            return null;
        }
    }

    private void EnsureDataRoom(int length)
    {
        if (_dataEnd + length <= _data.Length)
        {
            return;
        }

        var unread = _dataEnd - _dataStart;
        if (unread + length <= _data.Length)
        {
            _data.AsSpan(_dataStart, unread).CopyTo(_data);
        }
        else
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(unread + length, Math.Max(4096, _data.Length * 2)));
            _data.AsSpan(_dataStart, unread).CopyTo(grown);
            if (_data.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_data);
            }

            _data = grown;
        }

        _dataStart = 0;
        _dataEnd = unread;
    }

    /// <summary>RST_STREAM from the server.</summary>
    public void OnReset(Http2ErrorCode code, out bool wake)
    {
        lock (_sync)
        {
            if (code == Http2ErrorCode.RefusedStream && !_responseReady)
            {
                _refused = true;
                _error ??= new Http2RefusedException("the upstream refused the stream (REFUSED_STREAM)");
            }
            else if (code == Http2ErrorCode.NoError && _responseEnded)
            {
                // The response is complete; the server only asks us to stop sending.
                wake = false;
                return;
            }

            _error ??= new HttpProtocolException((long)code, $"the upstream reset the stream ({code})", null);
            wake = _headersSignal.Armed || _dataSignal.Armed;
        }
    }

    /// <summary>The stream was above a GOAWAY's last stream id: the server never processed it.</summary>
    public void OnRefused(string reason, out bool wake)
    {
        lock (_sync)
        {
            _refused = !_responseReady;
            _error ??= _refused ? new Http2RefusedException(reason) : new IOException(reason);
            wake = _headersSignal.Armed || _dataSignal.Armed;
        }
    }

    /// <summary>The connection failed or closed under this stream.</summary>
    public void OnConnectionFailed(Exception failure, bool refused, out bool wake)
    {
        lock (_sync)
        {
            if (_responseEnded)
            {
                wake = false;
                return;
            }

            _refused = refused && !_responseReady;
            _error ??= _refused ? new Http2RefusedException(failure.Message) : failure;
            wake = _headersSignal.Armed || _dataSignal.Armed;
        }
    }

    /// <summary>Wakes whichever of the caller's waits is armed (outside every lock; may run its continuation inline).</summary>
    public void Wake()
    {
        bool headers;
        bool data;
        lock (_sync)
        {
            headers = (_responseReady || _error is not null) && _headersSignal.Disarm();
            data = (_dataEnd > _dataStart || _responseEnded || _error is not null || _responseClosed) && _dataSignal.Disarm();
        }

        if (headers)
        {
            _headersSignal.Complete();
        }

        if (data)
        {
            _dataSignal.Complete();
        }
    }

    /// <summary>Fails the call with a stream error the connection found (the connection resets the stream).</summary>
    public void FailWithStreamError(Http2ErrorCode code, string message)
    {
        lock (_sync)
        {
            FailLocked(new HttpProtocolException((long)code, message, null), out _);
        }
    }

    private Http2ErrorCode? FailLocked(Exception error, out bool wake)
    {
        _error ??= error;
        wake = _headersSignal.Armed || _dataSignal.Armed;
        return error is HttpProtocolException protocol ? (Http2ErrorCode)protocol.ErrorCode : Http2ErrorCode.InternalError;
    }

    /// <summary>Whether the response has ended; the request side then stops (RST_STREAM) if it has not.</summary>
    public bool ResponseEnded
    {
        get
        {
            lock (_sync)
            {
                return _responseEnded;
            }
        }
    }

    public bool HasFailed
    {
        get
        {
            lock (_sync)
            {
                return _error is not null;
            }
        }
    }

    // ---- The caller's side. ----

    /// <summary>The request was cancelled or the response abandoned: reset the stream and fail every wait.</summary>
    public void Cancel()
    {
        lock (_sync)
        {
            if (_responseEnded && _error is null)
            {
                return;
            }

            _error ??= new OperationCanceledException("The HTTP/2 request was canceled.", _requestToken);
        }

        // Reset first: a waiter woken inline may dispose the response and release the stream.
        Connection?.Abort(this, Http2ErrorCode.Cancel);
        Wake();
    }

    /// <summary>The request body failed: reset the stream so the upstream does not take a truncated body as complete.</summary>
    public void AbortRequest(Exception error)
    {
        lock (_sync)
        {
            if (!_responseEnded)
            {
                // A send that failed because the connection did fails the call as the connection's failure.
                _error ??= error is IOException { InnerException: Http2ConnectionFailure failure }
                    ? failure
                    : new IOException("the request body could not be sent", error);
            }
        }

        Connection?.Abort(this, Http2ErrorCode.Cancel);
        Wake();
    }

    /// <summary>Stops the request body's copy (the stream is over on the server's side).</summary>
    public void CancelBody()
    {
        try
        {
            _bodyCancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Marks the request side closed (END_STREAM sent or stream reset); returns true when the stream is now fully closed.</summary>
    public bool CloseRequestSide() => Interlocked.Exchange(ref _requestSideOpen, 0) == 1 && Volatile.Read(ref _responseSideOpen) == 0;

    /// <summary>Marks the response side closed; returns true when the stream is now fully closed.</summary>
    public bool CloseResponseSide() => Interlocked.Exchange(ref _responseSideOpen, 0) == 1 && Volatile.Read(ref _requestSideOpen) == 0;

    /// <summary>Exactly once per binding: the connection releases the stream's slot.</summary>
    public bool TryMarkReleased() => Interlocked.Exchange(ref _released, 1) == 0;

    /// <summary>
    /// The stream left its connection. While it could still be sent again the handler owns the
    /// cleanup (it retries or gives up); otherwise release what the exchange held.
    /// </summary>
    public void OnReleased()
    {
        if (!CanResend)
        {
            FinalCleanup();
        }
    }

    /// <summary>Releases the request's buffers and cancellation registration (idempotent).</summary>
    public void FinalCleanup()
    {
        if (Interlocked.Exchange(ref _cleanedUp, 1) == 1)
        {
            return;
        }

        _requestCancellation.Unregister();
        if (Connection is { } connection)
        {
            connection.ReturnBody(this);
        }
        else if (HeaderBlock.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(HeaderBlock);
            HeaderBlock = [];
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryRead(buffer.Span, out var read, out var wait))
        {
            return new ValueTask<int>(read);
        }

        return WaitThenReadAsync(buffer, wait, cancellationToken);
    }

    private async ValueTask<int> WaitThenReadAsync(Memory<byte> buffer, ValueTask wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The request's own token is watched for the stream's whole life; another token resets the stream too.
            using (cancellationToken.CanBeCanceled && cancellationToken != _requestToken
                ? cancellationToken.UnsafeRegister(static s => ((Http2Stream)s!).Cancel(), this)
                : default)
            {
                await wait;
            }

            if (TryRead(buffer.Span, out var read, out wait))
            {
                return read;
            }
        }
    }

    private bool TryRead(Span<byte> destination, out int read, out ValueTask wait)
    {
        var credit = 0;
        wait = default;
        if (destination.IsEmpty)
        {
            read = 0;
            return true;
        }

        lock (_sync)
        {
            if (_dataEnd > _dataStart)
            {
                read = Math.Min(destination.Length, _dataEnd - _dataStart);
                _data.AsSpan(_dataStart, read).CopyTo(destination);
                _dataStart += read;
                if (_dataStart == _dataEnd)
                {
                    _dataStart = _dataEnd = 0;
                }

                _consumedUncredited += read;
                if (_consumedUncredited >= _receiveWindowSize / 2 && !_responseEnded)
                {
                    credit = _consumedUncredited;
                    _consumedUncredited = 0;
                    _receiveWindow += credit;
                }
            }
            else if (_error is not null)
            {
                throw WrapForRead(_error);
            }
            else if (_responseEnded)
            {
                read = 0;
            }
            else if (_disposed)
            {
                throw new ObjectDisposedException(nameof(Http2Stream));
            }
            else
            {
                read = 0;
                wait = _dataSignal.Arm();
                return false;
            }
        }

        if (credit > 0)
        {
            Connection?.SendWindowUpdate(Id, credit);
        }

        if (read == 0)
        {
            CompleteResponse();
        }

        return true;
    }

    /// <summary>The caller read the end of the body.</summary>
    private void CompleteResponse()
    {
        if (CloseResponseSide())
        {
            Connection?.Release(this);
        }
        else if (!RequestEndedSafe())
        {
            // The response is over before the request: stop sending (RFC 9113, 8.1).
            CancelBody();
            Connection?.Abort(this, Http2ErrorCode.Cancel);
        }
    }

    private bool RequestEndedSafe() => Volatile.Read(ref _requestSideOpen) == 0;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bool abandon;
            bool ended;
            lock (_sync)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                abandon = !_responseEnded && _error is null;
                ended = _responseEnded && _error is null;
                if (!abandon)
                {
                    ReturnDataLocked();
                }
            }

            if (abandon)
            {
                Cancel();
            }
            else if (ended)
            {
                CompleteResponse();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Called by the connection when the stream is gone from it for good.</summary>
    public void ReturnResponseBuffers()
    {
        lock (_sync)
        {
            _responseClosed = true;
            if (_disposed || _responseEnded || _error is not null)
            {
                ReturnDataLocked();
            }
        }
    }

    private void ReturnDataLocked()
    {
        if (_data.Length > 0 && _dataEnd == _dataStart)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = [];
            _dataStart = _dataEnd = 0;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
