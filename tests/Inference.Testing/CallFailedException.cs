using Grpc.Core;
using Inference.Client;

namespace Inference.Testing;

/// <summary>A call of <see cref="OipTestClient"/> that failed: the client's error, and the tags and headers it came with.</summary>
public sealed class CallFailedException(RpcException error, ResponseTags tags, Metadata responseHeaders) : Exception(error.Message, error)
{
    public RpcException Error { get; } = error;

    public StatusCode StatusCode => Error.StatusCode;

    public Status Status => Error.Status;

    public ResponseTags Tags { get; } = tags;

    /// <summary>Empty when the error came without headers (trailers-only).</summary>
    public Metadata ResponseHeaders { get; } = responseHeaders;
}
