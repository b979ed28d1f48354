using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Inference.Grpc.Client;

/// <summary>One call on a channel: request, response stream, status and metadata.</summary>
internal sealed class GrpcCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>, IGrpcCallState
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>, new()
{
    private const string UserAgent = "grpc-csharp-inference/1.0";

    // HTTP/2 REFUSED_STREAM: the server did not process the stream, so the request may be sent again.
    private const long RefusedStream = 0x7;

    // Resends of a refused unary or server-streaming request (each one a fresh pass through HttpClient's
    // own three connection retries). A cap, so that a server that refuses everything fails the call.
    private const int MaxTransparentRetries = 8;
    private static readonly MessageParser<TResponse> s_parser = new(static () => new TResponse());
    private static readonly Action<object?> s_cancelByCaller = static state => ((GrpcCall<TRequest, TResponse>)state!).CancelByCaller();

    private readonly GrpcChannel _channel;
    private readonly string _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenRegistration _userRegistration;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly ITimer? _deadlineTimer;
    private readonly TimeSpan? _timeout;
    private readonly bool _requestGzip;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PushStreamContent? _requestContent;
    private PipeReader? _reader;
    private bool _responseGzip;
    private TResponse? _current;
    private Status? _status;
    private Metadata? _responseHeaders;
    private Metadata? _trailers;
    private volatile bool _deadlineHit;
    private volatile bool _callerCancelled;
    private bool _disposed;
    private bool _requestCompleted;
    private int _writing;

    public GrpcCall(GrpcChannel channel, string method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        var channelOptions = channel.Options;
        _requestGzip = MessageCodec.IsGzip(options.Compression ?? channelOptions.RequestCompression);

        var time = channelOptions.TimeProvider;
        TimeSpan? timeout = options.Timeout;
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var untilDeadline = deadline.ToUniversalTime() - time.GetUtcNow().UtcDateTime;
            timeout = timeout is { } t && t < untilDeadline ? t : untilDeadline;
        }

        if (timeout is { } value)
        {
            _timeout = value;
            if (value <= TimeSpan.Zero)
            {
                _deadlineHit = true;
                _cts.Cancel();
            }
            else
            {
                _deadlineTimer = time.CreateTimer(static state => ((GrpcCall<TRequest, TResponse>)state!).OnDeadline(), this, value, Timeout.InfiniteTimeSpan);
            }
        }

        _abortRegistration = _cts.Token.UnsafeRegister(static state => ((GrpcCall<TRequest, TResponse>)state!).ResetStream(), this);
        if (options.CancellationToken.CanBeCanceled)
        {
            _userRegistration = options.CancellationToken.UnsafeRegister(s_cancelByCaller, this);
        }
    }

    public TResponse Current => _current ?? throw new InvalidOperationException("No current message; call MoveNextAsync first.");

    public void StartUnary(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body;
        try
        {
            body = Serialize(request);
        }
        catch (GrpcException ex)
        {
            _status = new Status(ex.StatusCode, ex.Detail);
            _sendTask = Task.FromException<HttpResponseMessage>(ex);
            return;
        }

        _sendTask = SendAsync(body);
    }

    public void StartStreaming()
    {
        _requestContent = new PushStreamContent();
        _sendTask = SendAsync(body: null);
    }

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        await SendTask.ConfigureAwait(false);
        return GetResponseHeadersNow();
    }

    public Metadata GetResponseHeadersNow() =>
        _responseHeaders ??= _response is null ? Metadata.Empty : BuildMetadata(_response.Headers);

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished.");

    public Metadata GetTrailers() => _status is null
        ? throw new InvalidOperationException("The call has not finished.")
        : _trailers ?? Metadata.Empty;

    /// <summary>Reads exactly one response message and the status after it.</summary>
    public async Task<TResponse> ReadUnaryResponseAsync()
    {
        if (!await MoveNextAsync().ConfigureAwait(false))
        {
            throw Fail(new GrpcException(StatusCode.Internal, "The server returned OK without a response message."));
        }

        var message = _current!;
        if (await MoveNextAsync().ConfigureAwait(false))
        {
            throw Fail(new GrpcException(StatusCode.Internal, "The server sent more than one response message for a unary call."));
        }

        return message;
    }

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        if (_status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? false : throw CreateException(null);
        }

        var response = await SendTask.ConfigureAwait(false);
        if (_status is { } trailersOnly)
        {
            return trailersOnly.StatusCode == StatusCode.OK ? false : throw CreateException(null);
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(s_cancelByCaller, this)
            : default;
        var maxSize = _channel.Options.MaxReceiveMessageSize;
        try
        {
            _reader ??= PipeReader.Create(await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false));
            while (true)
            {
                var result = await _reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    if (GrpcFraming.TryReadMessage(ref buffer, maxSize, out var payload, out var compressed))
                    {
                        _current = MessageCodec.Parse(s_parser, payload, compressed, _responseGzip, maxSize);
                        return true;
                    }

                    if (result.IsCompleted)
                    {
                        if (!buffer.IsEmpty)
                        {
                            throw new GrpcException(StatusCode.Internal, "The response ended in the middle of a message.");
                        }

                        break;
                    }
                }
                finally
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }

        _trailers = BuildMetadata(response.TrailingHeaders);
        _status = ReadStatus(response.TrailingHeaders)
            ?? new Status(StatusCode.Internal, "The response ended without a grpc-status trailer.");
        return _status.Value.StatusCode == StatusCode.OK ? false : throw CreateException(null);
    }

    public async ValueTask WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var content = _requestContent ?? throw new InvalidOperationException("This call has no request stream.");
        if (_requestCompleted)
        {
            throw new InvalidOperationException("The request stream was already completed.");
        }

        if (_status is { StatusCode: not StatusCode.OK })
        {
            throw CreateException(null);
        }

        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A previous write has not completed.");
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(s_cancelByCaller, this)
            : default;
        try
        {
            var streamTask = content.StreamTask;
            if (!streamTask.IsCompleted)
            {
                await Task.WhenAny(streamTask, SendTask).WaitAsync(_cts.Token).ConfigureAwait(false);
                if (!streamTask.IsCompleted)
                {
                    // The response came (or the call failed) before the request stream opened.
                    await SendTask.ConfigureAwait(false);
                    throw _status is { StatusCode: not StatusCode.OK }
                        ? CreateException(null)
                        : new InvalidOperationException("The call ended before the request stream opened.");
                }
            }

            var stream = await streamTask.ConfigureAwait(false);
            using var buffer = new PooledBufferWriter();
            MessageCodec.Write(buffer, message, _requestGzip, _channel.Options.MaxSendMessageSize);
            await stream.WriteAsync(buffer.WrittenMemory, _cts.Token).ConfigureAwait(false);
            await stream.FlushAsync(_cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not InvalidOperationException or ObjectDisposedException)
        {
            // Usage errors (InvalidOperationException) pass as they are; a disposed HTTP/2 request stream is the
            // transport's, like any other write failure.
            throw ex is GrpcException { StatusCode: StatusCode.ResourceExhausted } sizeError && _status is null
                ? sizeError
                : await WriteFailureAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>
    /// A write fails when the request stream is gone. When the server ended the call, that is why, and its
    /// status is the answer: a trailers-only status at once; a status still to come after response messages
    /// stays for the response stream (the call is not failed here, which would reset it and lose that status).
    /// </summary>
    private async Task<GrpcException> WriteFailureAsync(Exception exception)
    {
        if (_status is not null || _callerCancelled || _deadlineHit || _disposed)
        {
            return Fail(exception);
        }

        try
        {
            // Bounded: with the request stream gone, HttpClient answers or fails the response.
            await SendTask.ConfigureAwait(false);
        }
        catch (GrpcException failed)
        {
            return failed;
        }

        return _status is not null
            ? CreateException(null)
            : new GrpcException(StatusCode.Unavailable, "The request stream was closed; the call's status comes with the response stream.", exception);
    }

    public ValueTask CompleteAsync()
    {
        _requestCompleted = true;
        _requestContent?.Complete();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_status is null)
        {
            // Abandoned mid-call: cancelling resets the HTTP/2 stream so the server sees it.
            _status = new Status(StatusCode.Cancelled, "Call disposed before it finished.");
            _cts.Cancel();
        }

        _requestContent?.Abort();
        _deadlineTimer?.Dispose();
        _userRegistration.Dispose();
        _abortRegistration.Dispose();
        _response?.Dispose();
    }

    private Task<HttpResponseMessage> SendTask => _sendTask ?? throw new InvalidOperationException("The call was not started.");

    /// <summary>
    /// Ends the HTTP/2 stream when the call is cancelled (token, deadline, local failure). HttpClient resets it
    /// for a cancelled pending read, but a streaming call may have none pending (a duplex call between
    /// messages): disposing the response resets it at once, so the server sees the call end.
    /// </summary>
    private void ResetStream()
    {
        Volatile.Read(ref _response)?.Dispose();
        _requestContent?.Abort();
    }

    private void CancelByCaller()
    {
        _callerCancelled = true;
        _cts.Cancel();
    }

    private void OnDeadline()
    {
        _deadlineHit = true;
        _cts.Cancel();
    }

    private byte[] Serialize(TRequest request)
    {
        var maxSend = _channel.Options.MaxSendMessageSize;
        if (!_requestGzip)
        {
            var size = request.CalculateSize();
            if (size > maxSend)
            {
                throw new GrpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxSend})");
            }

            var body = new byte[GrpcFraming.HeaderSize + size];
            GrpcFraming.WriteHeader(body, compressed: false, size);
            request.WriteTo(body.AsSpan(GrpcFraming.HeaderSize));
            return body;
        }

        using var buffer = new PooledBufferWriter();
        MessageCodec.Write(buffer, request, gzip: true, maxSend);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends the request: <paramref name="body"/> for a unary request, else the streaming content.</summary>
    private async Task<HttpResponseMessage> SendAsync(byte[]? body)
    {
        HttpResponseMessage response;
        var start = _channel.Options.TimeProvider.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            HttpContent content;
            if (body is null)
            {
                content = _requestContent!;
            }
            else
            {
                content = new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
            }

            try
            {
                _cts.Token.ThrowIfCancellationRequested();
                var request = CreateRequest(content, attempt == 0 ? TimeSpan.Zero : _channel.Options.TimeProvider.GetElapsedTime(start));
                response = await _channel.Invoker.SendAsync(request, _cts.Token).ConfigureAwait(false);
                break;
            }
            catch (Exception ex)
            {
                // A new connection takes requests before the server's SETTINGS tell its stream limit; the
                // streams over it are refused unprocessed. A buffered request can go again (gRPC's transparent
                // retry); a streaming one cannot, its messages are the caller's.
                if (body is null || attempt == MaxTransparentRetries || _cts.IsCancellationRequested
                    || FindProtocolException(ex) is not { ErrorCode: RefusedStream })
                {
                    throw Fail(ex);
                }
            }
        }

        Volatile.Write(ref _response, response);
        if (_cts.IsCancellationRequested)
        {
            // Cancelled while the headers were on their way: ResetStream found no response yet.
            response.Dispose();
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail(new GrpcException(GrpcProtocol.StatusFromHttpStatus((int)response.StatusCode),
                $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}"));
        }

        var contentType = response.Content.Headers.TryGetValues("Content-Type", out var types) ? First(types) : null;
        if (!GrpcProtocol.IsGrpcProtoContentType(contentType))
        {
            throw Fail(new GrpcException(StatusCode.Internal, $"Bad gRPC response. Invalid content-type '{contentType}'."));
        }

        if (ReadStatus(response.Headers) is { } status)
        {
            // Trailers-only: the headers are the trailers. Their custom metadata is offered as both.
            _trailers = BuildMetadata(response.Headers);
            _responseHeaders = _trailers;
            _status = status;
        }
        else if (response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var encodings))
        {
            var encoding = First(encodings);
            if (!MessageCodec.IsSupportedEncoding(encoding))
            {
                throw Fail(new GrpcException(StatusCode.Internal, $"The server used unsupported message encoding '{encoding}'."));
            }

            _responseGzip = MessageCodec.IsGzip(encoding);
        }

        return response;
    }

    /// <summary>Turns any failure into the call's status (once) and the exception to throw.</summary>
    private GrpcException Fail(Exception exception)
    {
        if (_status is { StatusCode: not StatusCode.OK } && exception is GrpcException existing && existing.StatusCode == _status.Value.StatusCode)
        {
            _cts.Cancel();
            return existing;
        }

        Status status;
        if (_deadlineHit)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (_status is { } known && known.StatusCode != StatusCode.OK)
        {
            status = known;
        }
        else if (exception is GrpcException grpc)
        {
            status = new Status(grpc.StatusCode, grpc.Detail);
        }
        else if (_callerCancelled || _disposed)
        {
            status = new Status(StatusCode.Cancelled, "Call canceled by the client.");
        }
        else if (FindProtocolException(exception) is { } protocol)
        {
            status = new Status(StatusFromHttp2ErrorCode(protocol.ErrorCode), $"HTTP/2 stream reset by the server (error code {protocol.ErrorCode}).");
        }
        else if (exception is HttpRequestException or IOException)
        {
            status = new Status(StatusCode.Unavailable, $"Error connecting to the server: {exception.Message}");
        }
        else if (exception is OperationCanceledException)
        {
            // No caller cancelled it: HttpClient gave up the stream (e.g. the server refused or reset it).
            status = new Status(StatusCode.Unavailable, "The HTTP/2 stream was abandoned by the transport.");
        }
        else
        {
            status = new Status(StatusCode.Internal, $"Error in the call: {exception.GetType().Name}: {exception.Message}");
        }

        _status = status;
        // Stop the HTTP/2 stream so the server sees the call end too.
        _cts.Cancel();
        return CreateException(exception as GrpcException == null ? exception : null);
    }

    private GrpcException CreateException(Exception? inner)
    {
        var status = _status ?? new Status(StatusCode.Unknown, string.Empty);
        return new GrpcException(status.StatusCode, status.Detail, GetResponseHeadersNow(), _trailers, inner);
    }

    private HttpRequestMessage CreateRequest(HttpContent content, TimeSpan elapsed)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedAcceptEncoding);
        if (_requestGzip)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }

        if (_timeout is { } timeout)
        {
            // A resent request carries what is left of the deadline.
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout - elapsed));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (!Metadata.IsReservedKey(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, entry.Value);
                }
            }
        }

        return request;
    }

    private static HttpProtocolException? FindProtocolException(Exception? exception)
    {
        while (exception is not null)
        {
            if (exception is HttpProtocolException protocol)
            {
                return protocol;
            }

            exception = exception.InnerException;
        }

        return null;
    }

    // RST_STREAM codes as gRPC maps them (HTTP/2 error code → status).
    private static StatusCode StatusFromHttp2ErrorCode(long code) => code switch
    {
        0x7 => StatusCode.Unavailable, // REFUSED_STREAM
        0x8 => StatusCode.Cancelled, // CANCEL
        0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    private static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return null;
        }

        var text = First(values);
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Invalid grpc-status '{text}'.");
        }

        var detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? GrpcMessageEncoding.Decode(First(messages) ?? string.Empty)
            : string.Empty;
        return new Status((StatusCode)code, detail);
    }

    private static Metadata BuildMetadata(HttpHeaders headers)
    {
        Metadata? metadata = null;
        foreach (var header in headers.NonValidated)
        {
            foreach (var value in header.Value)
            {
                (metadata ??= new Metadata()).AddReceived(header.Key, value);
            }
        }

        return metadata is { Count: > 0 } ? metadata : Metadata.Empty;
    }

    private static string? First(IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }
}
