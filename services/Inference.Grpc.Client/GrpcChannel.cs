using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using Google.Protobuf;

namespace Inference.Grpc.Client;

/// <summary>
/// A connection pool to one gRPC server over HTTP/2: <c>http://</c> is h2c with prior knowledge,
/// <c>https://</c> is TLS with ALPN h2. Thread-safe; create one per server and reuse it.
/// </summary>
public sealed class GrpcChannel : CallInvoker, IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly bool _disposeInvoker;
    private readonly ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must be http:// (h2c) or https://.", nameof(address));
        }

        Address = address;
        Options = options;
        if (options.HttpHandler is { } handler)
        {
            _invoker = new HttpMessageInvoker(handler, options.DisposeHttpHandler);
        }
        else
        {
            _invoker = new HttpMessageInvoker(CreateHandler(options), disposeHandler: true);
        }

        _disposeInvoker = true;
    }

    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    public override async Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
    {
        using var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        call.StartUnary(request);
        return await call.ReadUnaryResponseAsync().ConfigureAwait(false);
    }

    public override async Task<UnaryResponse<TResponse>> UnaryCallAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
    {
        using var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        call.StartUnary(request);
        var message = await call.ReadUnaryResponseAsync().ConfigureAwait(false);
        return new UnaryResponse<TResponse>(message, call.GetResponseHeadersNow(), call.GetTrailers());
    }

    public override ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
    {
        var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        call.StartUnary(request);
        return new ServerStreamingCall<TResponse>(call, call);
    }

    public override ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(string method, CallOptions options = default)
    {
        var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        call.StartStreaming();
        return new ClientStreamingCall<TRequest, TResponse>(call, call.ReadUnaryResponseAsync, call);
    }

    public override DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string method, CallOptions options = default)
    {
        var call = new GrpcCall<TRequest, TResponse>(this, method, options);
        call.StartStreaming();
        return new DuplexStreamingCall<TRequest, TResponse>(call, call, call);
    }

    public void Dispose()
    {
        if (_disposeInvoker)
        {
            _invoker.Dispose();
        }
    }

    internal Uri GetMethodUri(string method)
    {
        if (_methodUris.TryGetValue(method, out var uri))
        {
            return uri;
        }

        if (string.IsNullOrEmpty(method) || method[0] != '/')
        {
            throw new ArgumentException($"'{method}' is not a gRPC method path like '/package.Service/Method'.", nameof(method));
        }

        uri = CombineMethodUri(Address, method);
        return _methodUris.GetOrAdd(method, uri);
    }

    /// <summary>
    /// The method path goes under the address's own path: a server behind a gateway at <c>http://host/prefix/</c>
    /// (or <c>/prefix</c>) serves <c>/pkg.Svc/M</c> at <c>/prefix/pkg.Svc/M</c>.
    /// </summary>
    internal static Uri CombineMethodUri(Uri address, string method)
    {
        var prefix = address.AbsolutePath.TrimEnd('/');
        return new UriBuilder(address) { Path = prefix + method, Query = string.Empty, Fragment = string.Empty }.Uri;
    }

    internal static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        // A copy: the caller's options object may be shared with other channels or handlers.
        var ssl = options.SslOptions is { } given ? Copy(given) : new SslClientAuthenticationOptions();
        ssl.ApplicationProtocols ??= [SslApplicationProtocol.Http2];
        return new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = options.KeepAlivePingPolicy,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            SslOptions = ssl,
        };
    }

    /// <summary>Every settable property (a test checks none is missed); the protocol list is copied too.</summary>
    internal static SslClientAuthenticationOptions Copy(SslClientAuthenticationOptions source)
    {
        var copy = new SslClientAuthenticationOptions
        {
            AllowRenegotiation = source.AllowRenegotiation,
            AllowTlsResume = source.AllowTlsResume,
            ApplicationProtocols = source.ApplicationProtocols is { } protocols ? [.. protocols] : null,
            CertificateChainPolicy = source.CertificateChainPolicy,
            CertificateRevocationCheckMode = source.CertificateRevocationCheckMode,
            CipherSuitesPolicy = source.CipherSuitesPolicy,
            ClientCertificateContext = source.ClientCertificateContext,
            ClientCertificates = source.ClientCertificates,
            EnabledSslProtocols = source.EnabledSslProtocols,
#pragma warning disable SYSLIB0040 // Obsolete, but a caller may still have set it: the copy keeps it.
            EncryptionPolicy = source.EncryptionPolicy,
#pragma warning restore SYSLIB0040
            LocalCertificateSelectionCallback = source.LocalCertificateSelectionCallback,
            RemoteCertificateValidationCallback = source.RemoteCertificateValidationCallback,
            TargetHost = source.TargetHost,
        };
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            // Settable only where the platform's TLS supports the choice.
            copy.AllowRsaPssPadding = source.AllowRsaPssPadding;
            copy.AllowRsaPkcs1Padding = source.AllowRsaPkcs1Padding;
        }

        return copy;
    }
}
