using System.Net.Http;
using System.Net.Security;

namespace Inference.Grpc.Client;

public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted (after decompression); larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; larger fails the call with RESOURCE_EXHAUSTED before sending.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Request message encoding ("gzip" or null). Responses are always accepted in identity or gzip.</summary>
    public string? RequestCompression { get; set; }

    /// <summary>Interval of HTTP/2 PING keep-alives; infinite turns them off.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>How long to wait for a PING ack before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public HttpKeepAlivePingPolicy KeepAlivePingPolicy { get; set; } = HttpKeepAlivePingPolicy.WithActiveRequests;

    /// <summary>Open more HTTP/2 connections when one reaches the server's stream limit.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>TLS settings for https addresses (e.g. a certificate validation callback). ALPN h2 is added.</summary>
    public SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>Use this handler instead of building a SocketsHttpHandler (tests, custom transports).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>.</summary>
    public bool DisposeHttpHandler { get; set; } = true;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
