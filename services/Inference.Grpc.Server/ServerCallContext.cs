using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

/// <summary>What a handler knows about its call and what it may add to the response.</summary>
/// <remarks>
/// A call ends once: with the handler's outcome, or at its deadline, whichever comes first. Every write to
/// the response takes one lock and checks that the call has not ended, so a handler that ignores its token
/// cannot write into a response the deadline has already finished.
/// </remarks>
public sealed class ServerCallContext : IDisposable
{
    private const int Http2NoError = 0;

    // The longest delay a timer takes (about 49 days); a longer grpc-timeout is clamped to it.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly HttpContext _http;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource? _callCts;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly ITimer? _deadlineTimer;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;
    private bool _ended;

    // Whether response messages are gzip-compressed; decided (and advertised) before the first byte.
    private bool _responseGzip;
    private TaskCompletionSource? _deadlineCompletion;

    internal ServerCallContext(HttpContext http, GrpcServerOptions options, bool requestGzip, TimeSpan? timeout, TimeProvider timeProvider, ILogger logger)
    {
        _http = http;
        _logger = logger;
        Options = options;
        RequestGzip = requestGzip;
        ResponseCompression = options.ResponseCompression;
        if (timeout is { } value)
        {
            value = value > MaxTimerDelay ? MaxTimerDelay : value;
            Deadline = timeProvider.GetUtcNow().UtcDateTime + value;
            _callCts = new CancellationTokenSource();
            _abortRegistration = http.RequestAborted.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _callCts);
            CancellationToken = _callCts.Token;
            // Last: with a tiny timeout the callback may run at once, and it needs the fields above.
            _deadlineTimer = timeProvider.CreateTimer(static state => ((ServerCallContext)state!).OnDeadline(), this, value, Timeout.InfiniteTimeSpan);
        }
        else
        {
            Deadline = DateTime.MaxValue;
            CancellationToken = http.RequestAborted;
        }
    }

    /// <summary>The HTTP/2 request this call runs on.</summary>
    public HttpContext HttpContext => _http;

    /// <summary>The method path, e.g. <c>/package.Service/Method</c>.</summary>
    public string Method => _http.Request.Path.Value ?? string.Empty;

    /// <summary>The <c>:authority</c> of the request.</summary>
    public string Host => _http.Request.Host.Value ?? string.Empty;

    /// <summary>The caller's address as gRPC writes it: <c>ipv4:1.2.3.4:5678</c> or <c>ipv6:[::1]:5678</c>.</summary>
    public string Peer => _peer ??= FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    /// <summary>When the client stops waiting (UTC); <see cref="DateTime.MaxValue"/> without a grpc-timeout.</summary>
    public DateTime Deadline { get; }

    /// <summary>
    /// Cancelled when the client resets the stream or the deadline passes. At the deadline the runtime has
    /// already sent DEADLINE_EXCEEDED: later writes throw and the handler's result is discarded.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Custom metadata of the request (built on first use).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= BuildRequestHeaders(_http.Request.Headers);

    /// <summary>Trailing metadata sent with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>Response message encoding ("gzip" or null); applied only if the client accepts it.</summary>
    public string? ResponseCompression { get; set; }

    /// <summary>True once initial metadata has been sent; response headers can no longer be set.</summary>
    public bool ResponseHeadersSent => _http.Response.HasStarted;

    internal GrpcServerOptions Options { get; }

    internal bool RequestGzip { get; }

    /// <summary>A response message went into the body: the status goes in trailers.</summary>
    internal bool MessageWritten { get; private set; }

    /// <summary>The handler sent (or is sending) the response headers on their own.</summary>
    internal bool HeadersCommitted { get; private set; }

    /// <summary>The deadline ended the call: its status was sent, whatever the handler does next.</summary>
    internal bool EndedByDeadline { get; private set; }

    /// <summary>Reading the request or sending the response failed in the transport: the stream is gone.</summary>
    internal bool TransportFailed { get; private set; }

    /// <summary>One request header value without building <see cref="RequestHeaders"/> (cheap on the hot path).</summary>
    public string? GetRequestHeader(string key)
    {
        var values = _http.Request.Headers[key];
        return values.Count == 0 ? null : values[0];
    }

    /// <summary>Adds initial metadata (text). Must be called before the first response message is sent.</summary>
    public void SetResponseHeader(string key, string value)
    {
        // Already-valid lower-case keys and ASCII values (the usual case) skip the Entry allocation.
        if (Metadata.IsValidTextPair(key, value))
        {
            SetResponseHeaderCore(key, value);
            return;
        }

        var entry = new Metadata.Entry(key, value);
        SetResponseHeaderCore(entry.Key, entry.Value);
    }

    /// <summary>Adds binary initial metadata (a <c>-bin</c> key).</summary>
    public void SetResponseHeader(string key, byte[] value)
    {
        var entry = new Metadata.Entry(key, value);
        SetResponseHeaderCore(entry.Key, entry.Value);
    }

    /// <summary>Sends the initial metadata now (with <paramref name="headers"/> added), before any message.</summary>
    public async ValueTask WriteResponseHeadersAsync(Metadata? headers = null)
    {
        if (headers is not null)
        {
            foreach (var entry in headers)
            {
                SetResponseHeaderCore(entry.Key, entry.Value);
            }
        }

        lock (_lock)
        {
            ThrowIfEnded();
            ApplyResponseEncoding();
            // From here the headers belong to the flush below: a deadline that fires before it starts the response
            // must put its status in the trailers, not in these headers.
            HeadersCommitted = true;
        }

        await FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_callCts is not null)
        {
            lock (_lock)
            {
                // A deadline timer that fires from now on finds the call over and leaves the HttpContext alone.
                _ended = true;
            }

            _deadlineTimer!.Dispose();
            _abortRegistration.Dispose();
            _callCts.Dispose();
        }
    }

    /// <summary>Frames a response message into the body (a streaming write; the caller flushes).</summary>
    internal void WriteMessage(IMessage message)
    {
        lock (_lock)
        {
            ThrowIfEnded();
            WriteMessageCore(message);
        }
    }

    /// <summary>
    /// Ends the call with its one response message and OK (unary, client streaming). Ignored when the deadline
    /// ended the call first. Headers, message and trailers leave together when the request delegate returns.
    /// </summary>
    internal void EndWithMessage(IMessage message)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            WriteMessageCore(message);
            _ended = true;
            CallStatusWriter.Write(this, StatusStrings.Ok, detail: null, withTrailers: true);
        }
    }

    /// <summary>Ends the call with a status and the response trailers; ignored when the deadline ended it first.</summary>
    internal void End(StatusCode code, string? detail)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            CallStatusWriter.Write(this, StatusStrings.For(code), detail, withTrailers: true);
        }
    }

    /// <summary>
    /// Closes the call to the deadline and returns what must finish before the request delegate returns
    /// (the deadline's own completion of the response, if it ended the call): Kestrel reuses the HttpContext after.
    /// </summary>
    internal Task SealAsync()
    {
        if (_deadlineTimer is null)
        {
            // No deadline: no other thread can end the call.
            _ended = true;
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            _ended = true;
            return _deadlineCompletion?.Task ?? Task.CompletedTask;
        }
    }

    /// <summary>Flushes the response body; a transport failure is recorded as such.</summary>
    internal async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _http.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
        {
            TransportFailed = true;
            throw;
        }
    }

    /// <summary>Reads the request body; a transport failure is recorded, a body Kestrel refuses becomes a status.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<ReadResult> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            throw Refused(ex);
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
        {
            TransportFailed = true;
            throw;
        }
    }

    /// <summary>The synchronous <see cref="ReadAsync"/>: false when nothing is buffered yet.</summary>
    internal bool TryRead(PipeReader reader, out ReadResult result)
    {
        try
        {
            return reader.TryRead(out result);
        }
        catch (BadHttpRequestException ex)
        {
            throw Refused(ex);
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
        {
            TransportFailed = true;
            throw;
        }
    }

    /// <summary>
    /// Kestrel refused the body (a limit the host set that the runtime could not lift): the client is still
    /// there and gets a status, not a dropped stream.
    /// </summary>
    private static GrpcException Refused(BadHttpRequestException exception) =>
        new(exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? StatusCode.ResourceExhausted : StatusCode.Internal,
            exception.Message,
            exception);

    private void WriteMessageCore(IMessage message)
    {
        ApplyResponseEncoding();
        MessageCodec.Write(_http.Response.BodyWriter, message, _responseGzip, Options.MaxSendMessageSize);
        MessageWritten = true;
    }

    private void ThrowIfEnded()
    {
        if (!_ended)
        {
            return;
        }

        if (EndedByDeadline)
        {
            throw new OperationCanceledException("The call's deadline passed and its status was sent: nothing more can be written.", CancellationToken);
        }

        throw new InvalidOperationException("The call has ended: nothing more can be written.");
    }

    /// <summary>
    /// The deadline passed: DEADLINE_EXCEEDED is sent now (in trailers, or trailers-only) and the stream is
    /// closed, whether or not the handler honours its token; then the handler's token is cancelled.
    /// </summary>
    private void OnDeadline()
    {
        bool send;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            EndedByDeadline = true;
            // Sealing the call waits for this completion, so the token source is not disposed under the Cancel below.
            _deadlineCompletion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // After a client reset nothing can reach it; the call is still over for the handler's writes.
            send = !_http.RequestAborted.IsCancellationRequested;
            if (send)
            {
                // Only the status: the handler may still be filling its trailers on another thread.
                CallStatusWriter.Write(this, StatusStrings.For(StatusCode.DeadlineExceeded), "Deadline Exceeded", withTrailers: false);
            }
        }

        GrpcServerLog.DeadlineExceeded(_logger, Method);
        try
        {
            _callCts!.Cancel();
        }
        catch (AggregateException ex)
        {
            // A callback the handler registered on its token threw; the call ends all the same.
            GrpcServerLog.DeadlineCallbackFailed(_logger, Method, ex);
        }

        if (send)
        {
            _ = CompleteAtDeadlineAsync();
        }
        else
        {
            _deadlineCompletion.TrySetResult();
        }
    }

    private async Task CompleteAtDeadlineAsync()
    {
        try
        {
            await _http.Response.CompleteAsync().ConfigureAwait(false);
            // The request side too. NO_ERROR after a complete response tells the client to stop sending without
            // failing the call (as the reference implementations do); pending request reads end.
            _http.Features.Get<IHttpResetFeature>()?.Reset(Http2NoError);
        }
        catch (Exception ex)
        {
            // The client left meanwhile, or the stream is already closed: nothing more to send.
            GrpcServerLog.DeadlineCompletionFailed(_logger, Method, ex);
        }
        finally
        {
            _deadlineCompletion!.TrySetResult();
        }
    }

    private void ApplyResponseEncoding()
    {
        if (_http.Response.HasStarted || ResponseCompression is null)
        {
            return;
        }

        if (MessageCodec.IsGzip(ResponseCompression) && ClientAcceptsGzip())
        {
            _responseGzip = true;
            _http.Response.Headers.GrpcEncoding = StatusStrings.Gzip;
        }
    }

    private bool ClientAcceptsGzip()
    {
        foreach (var value in _http.Request.Headers.GrpcAcceptEncoding)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan()[range].Trim().Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void SetResponseHeaderCore(string key, string value)
    {
        if (Metadata.IsReservedKey(key))
        {
            throw new ArgumentException($"'{key}' is reserved by the protocol.", nameof(key));
        }

        lock (_lock)
        {
            ThrowIfEnded();
            if (_http.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers were already sent.");
            }

            _http.Response.Headers.Append(key, value);
        }
    }

    internal void CopyTrailersTo(IHeaderDictionary target)
    {
        if (_responseTrailers is null)
        {
            return;
        }

        foreach (var entry in _responseTrailers)
        {
            if (!Metadata.IsReservedKey(entry.Key))
            {
                target.Append(entry.Key, entry.Value);
            }
        }
    }

    internal IHeaderDictionary? GetTrailers() => _http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;

    private static Metadata BuildRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                metadata.AddReceived(header.Key, value);
            }
        }

        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"ipv6:[{address}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"ipv4:{address}:{port}");
    }
}
