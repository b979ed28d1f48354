namespace Inference.Grpc.Client;

/// <summary>A server-streaming call. Dispose it to cancel (the stream is reset) or to release it after the end.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly IGrpcCallState _call;

    internal ServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, IGrpcCallState call)
    {
        ResponseStream = responseStream;
        _call = call;
    }

    /// <summary>Response messages; a non-OK end throws <see cref="GrpcException"/> from MoveNextAsync.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>Initial metadata, once the server has sent it.</summary>
    public Task<Metadata> ResponseHeadersAsync() => _call.GetResponseHeadersAsync();

    /// <summary>The final status; only after the response stream ended.</summary>
    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
