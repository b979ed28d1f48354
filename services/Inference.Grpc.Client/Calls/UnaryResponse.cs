namespace Inference.Grpc.Client;

/// <summary>A successful unary call: the message with the metadata that came with it.</summary>
public sealed class UnaryResponse<TResponse>(TResponse message, Metadata responseHeaders, Metadata trailers)
{
    public TResponse Message { get; } = message;

    /// <summary>Initial metadata (e.g. <c>x-model-name</c>).</summary>
    public Metadata ResponseHeaders { get; } = responseHeaders;

    public Metadata Trailers { get; } = trailers;
}
