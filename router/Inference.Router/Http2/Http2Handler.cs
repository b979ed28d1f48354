using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Inference.Router.Http2;

/// <summary>
/// A small HTTP/2 cleartext client (prior knowledge) as an <see cref="HttpMessageHandler"/>. A
/// request whose body its content writes without waiting goes out as HEADERS, DATA and END_STREAM
/// in one socket write; response headers and body reads complete on the connection's reading
/// thread (see <see cref="Http2HandlerOptions.InlineCompletions"/>). A stream the server refused
/// unprocessed (GOAWAY, REFUSED_STREAM) is sent again on another connection when its body is still
/// whole. Failures surface as <see cref="HttpRequestException"/>: <c>ConnectionError</c> before
/// anything was sent (connect refused or timed out), a socket error as the inner exception when
/// the connection broke.
/// </summary>
internal sealed class Http2Handler : HttpMessageHandler
{
    private readonly Http2HandlerOptions _options;
    private readonly ConcurrentDictionary<(string Host, int Port), Http2ConnectionPool> _pools = new();
    private readonly ConditionalWeakTable<Uri, Target> _targets = [];
    private readonly ITimer _timer;
    private volatile bool _disposed;

    public Http2Handler(Http2HandlerOptions? options = null)
    {
        _options = options ?? new Http2HandlerOptions();
        _timer = _options.Time.CreateTimer(static s => ((Http2Handler)s!).Tick(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Open connections to <paramref name="host"/>:<paramref name="port"/> (tests).</summary>
    public int ConnectionCount(string host, int port) => _pools.TryGetValue((host, port), out var pool) ? pool.ConnectionCount : 0;

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the HTTP/2 handler is asynchronous only");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException("the HTTP/2 handler needs an absolute http:// request URI", nameof(request));
        }

        return SendCoreAsync(request, GetTarget(uri), cancellationToken);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, Target target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stream = new Http2Stream(request, _options, cancellationToken);
        Http2RequestEncoder.Encode(request, target.Path, target.Pool.Authority, stream);
        var started = false;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var connection = await target.Pool.AcquireAsync(cancellationToken);
                stream.Bind(connection);
                if (attempt == 1)
                {
                    stream.RegisterCancellation();
                }

                try
                {
                    if (!started)
                    {
                        started = true;
                        Start(connection, stream, request.Content);
                    }
                    else
                    {
                        connection.Resend(stream);
                    }

                    if (stream.TryGetResponse(out var wait) is { } response)
                    {
                        return response;
                    }

                    // Resumes on the connection's reading thread when the headers arrive (no hop).
                    await wait;
                    return stream.TakeResponse();
                }
                catch (Http2RefusedException) when (stream.CanResend && attempt < _options.MaxRefusedAttempts && !cancellationToken.IsCancellationRequested)
                {
                    connection.Release(stream);
                }
                catch (Http2RefusedException ex)
                {
                    connection.Release(stream);
                    throw new HttpRequestException(HttpRequestError.Unknown, $"{target.Pool.Authority} did not process the request: {ex.Message}", ex);
                }
            }
        }
        catch (Exception) when (!started || stream.CanResend)
        {
            // Never sent, or refused for good: nothing else will release what the exchange holds.
            stream.FinalCleanup();
            throw;
        }
    }

    private static void Start(Http2Connection connection, Http2Stream stream, HttpContent? content)
    {
        if (content is null)
        {
            // HEADERS with END_STREAM; nothing to keep, so a refused stream can always go again.
            stream.RetainBody = true;
            stream.BodyComplete = true;
            _ = connection.PumpAsync(stream, endStream: true);
            return;
        }

        stream.RetainBody = true;
        Task copy;
        try
        {
            copy = content.CopyToAsync(new Http2RequestBodyStream(stream), null, stream.BodyToken);
        }
        catch (Exception ex)
        {
            copy = Task.FromException(ex);
        }

        if (copy.IsCompletedSuccessfully)
        {
            // The common unary case: the whole body is here, so HEADERS, DATA and END_STREAM share one write.
            stream.BodyComplete = true;
            ValueTask pumped;
            try
            {
                pumped = connection.PumpAsync(stream, endStream: true);
            }
            catch (Exception ex) when (ex is not Http2RefusedException)
            {
                // The connection failed while the body was being buffered: the call fails through the stream.
                stream.AbortRequest(ex);
                return;
            }

            if (!pumped.IsCompletedSuccessfully)
            {
                _ = FinishAsync(stream, pumped.AsTask());
            }

            return;
        }

        if (copy.IsCompleted)
        {
            stream.AbortRequest(copy.Exception?.InnerException ?? new OperationCanceledException("the request body copy was canceled"));
            return;
        }

        // A body still arriving: the headers go now, the rest as the content flushes.
        stream.RetainBody = false;
        connection.SendHeadersNow(stream);
        _ = FinishAsync(stream, copy, endAfter: true);
    }

    private static async Task FinishAsync(Http2Stream stream, Task pending, bool endAfter = false)
    {
        try
        {
            await pending;
            if (endAfter)
            {
                await stream.Connection!.PumpAsync(stream, endStream: true);
            }
        }
        catch (Exception ex)
        {
            stream.AbortRequest(ex);
        }
    }

    private Target GetTarget(Uri uri)
    {
        if (_targets.TryGetValue(uri, out var target))
        {
            return target;
        }

        var host = uri.IdnHost;
        var pool = _pools.GetOrAdd((host, uri.Port), static (key, state) => new Http2ConnectionPool(key.Host, key.Port, state.Authority, state.Options), (Authority: uri.Authority, Options: _options));
        target = new Target(pool, uri.PathAndQuery);
        _targets.AddOrUpdate(uri, target);
        return target;
    }

    private void Tick()
    {
        var now = _options.Time.GetTimestamp();
        foreach (var pool in _pools.Values)
        {
            pool.Tick(now);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _timer.Dispose();
            foreach (var pool in _pools.Values)
            {
                pool.CloseAll();
            }
        }

        base.Dispose(disposing);
    }

    private sealed record Target(Http2ConnectionPool Pool, string Path);
}
