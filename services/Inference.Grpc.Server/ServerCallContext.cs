using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Inference.Grpc.Server;

/// <summary>What a handler knows about its call and what it may add to the response.</summary>
public sealed class ServerCallContext : IDisposable
{
    private readonly HttpContext _http;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenRegistration _abortRegistration;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;

    internal ServerCallContext(HttpContext http, GrpcServerOptions options, bool requestGzip, TimeSpan? timeout, TimeProvider timeProvider)
    {
        _http = http;
        Options = options;
        RequestGzip = requestGzip;
        ResponseCompression = options.ResponseCompression;
        if (timeout is { } value)
        {
            Deadline = timeProvider.GetUtcNow().UtcDateTime + value;
            _deadlineCts = new CancellationTokenSource(value, timeProvider);
            _abortRegistration = http.RequestAborted.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _deadlineCts);
            CancellationToken = _deadlineCts.Token;
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

    /// <summary>Cancelled when the client resets the stream or the deadline passes.</summary>
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

    internal bool MessageWritten { get; set; }

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };

    internal bool DeadlineExceeded =>
        _deadlineCts is { IsCancellationRequested: true } && !_http.RequestAborted.IsCancellationRequested;

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

        ApplyResponseEncoding();
        await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_deadlineCts is not null)
        {
            _abortRegistration.Dispose();
            _deadlineCts.Dispose();
        }
    }

    /// <summary>Whether response messages are gzip-compressed; decided (and advertised) before the first byte.</summary>
    internal bool ResponseGzip { get; private set; }

    internal void ApplyResponseEncoding()
    {
        if (_http.Response.HasStarted || ResponseCompression is null)
        {
            return;
        }

        if (MessageCodec.IsGzip(ResponseCompression) && ClientAcceptsGzip())
        {
            ResponseGzip = true;
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
        if (_http.Response.HasStarted)
        {
            throw new InvalidOperationException("Response headers were already sent.");
        }

        if (Metadata.IsReservedKey(key))
        {
            throw new ArgumentException($"'{key}' is reserved by the protocol.", nameof(key));
        }

        _http.Response.Headers.Append(key, value);
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
