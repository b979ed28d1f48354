namespace Inference.Grpc.Server;

/// <summary>Limits and behaviour of every gRPC method mapped in a host.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted (after decompression); larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>
    /// Encoding for response messages ("gzip" or null for none), used when the client accepts it.
    /// A call can override it with <see cref="ServerCallContext.ResponseCompression"/>.
    /// </summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Put the exception message of an unexpected handler failure in grpc-message (development only).</summary>
    public bool EnableDetailedErrors { get; set; }
}
