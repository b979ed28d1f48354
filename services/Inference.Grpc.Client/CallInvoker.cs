using Google.Protobuf;

namespace Inference.Grpc.Client;

/// <summary>Starts calls by method path; typed stubs are thin wrappers over it.</summary>
public abstract class CallInvoker
{
    /// <summary>A unary call; returns the response message or throws <see cref="GrpcException"/>.</summary>
    public abstract Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new();

    /// <summary>A unary call that also returns the response headers (initial metadata) and trailers.</summary>
    public abstract Task<UnaryResponse<TResponse>> UnaryCallAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new();

    public abstract ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(string method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new();

    public abstract ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(string method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new();

    public abstract DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new();
}
