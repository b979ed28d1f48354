using Inference.Grpc;

namespace Inference.Client;

/// <summary>A successful call: the response message, its tags and the raw metadata.</summary>
public sealed class InferenceResponse<TResponse>(TResponse message, Metadata responseHeaders, Metadata trailers)
{
    public TResponse Message { get; } = message;

    /// <summary>Model name and version (and experiment and group, through the router) that answered.</summary>
    public ResponseTags Tags { get; } = ResponseTags.From(responseHeaders);

    /// <summary>Initial metadata.</summary>
    public Metadata ResponseHeaders { get; } = responseHeaders;

    public Metadata Trailers { get; } = trailers;
}
