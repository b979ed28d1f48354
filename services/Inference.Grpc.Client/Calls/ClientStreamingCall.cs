namespace Inference.Grpc.Client;

/// <summary>A client-streaming call: write requests, complete, then await the one response.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IGrpcCallState _call;
    private readonly Func<Task<TResponse>> _readResponse;
    private Task<TResponse>? _response;

    internal ClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Func<Task<TResponse>> readResponse, IGrpcCallState call)
    {
        RequestStream = requestStream;
        _readResponse = readResponse;
        _call = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response message; throws <see cref="GrpcException"/> for a non-OK status.</summary>
    public Task<TResponse> ResponseAsync => _response ??= _readResponse();

    public Task<Metadata> ResponseHeadersAsync() => _call.GetResponseHeadersAsync();

    public Status GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
