using Grpc.Core;
using Grpc.Net.Client;
using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.Testing;

/// <summary>
/// The generated OIP client (<see cref="GRPCInferenceService.GRPCInferenceServiceClient"/> on Grpc.Net.Client) with
/// the shorthand tests use: each call returns the message with the response's tags and headers, read the way a user
/// of the client reads them (<see cref="CallTagsExtensions.GetTagsAsync{T}"/>); a failed call throws
/// <see cref="CallFailedException"/>: the client's <see cref="RpcException"/> with the tags the error came with.
/// </summary>
public sealed class OipTestClient(CallInvoker invoker)
{
    public OipTestClient(GrpcChannel channel)
        : this(channel.CreateCallInvoker())
    {
    }

    public GRPCInferenceService.GRPCInferenceServiceClient Stub { get; } = new(invoker);

    public Task<Answer<ServerLiveResponse>> ServerLiveAsync(CallOptions options = default) =>
        CallAsync(Stub.ServerLiveAsync(new ServerLiveRequest(), options));

    public Task<Answer<ServerReadyResponse>> ServerReadyAsync(CallOptions options = default) =>
        CallAsync(Stub.ServerReadyAsync(new ServerReadyRequest(), options));

    public Task<Answer<ServerMetadataResponse>> ServerMetadataAsync(CallOptions options = default) =>
        CallAsync(Stub.ServerMetadataAsync(new ServerMetadataRequest(), options));

    public Task<Answer<ModelReadyResponse>> ModelReadyAsync(string name, string? version = null, CallOptions options = default) =>
        CallAsync(Stub.ModelReadyAsync(new ModelReadyRequest { Name = name, Version = version ?? string.Empty }, options));

    public Task<Answer<ModelMetadataResponse>> ModelMetadataAsync(string name, string? version = null, CallOptions options = default) =>
        CallAsync(Stub.ModelMetadataAsync(new ModelMetadataRequest { Name = name, Version = version ?? string.Empty }, options));

    public Task<Answer<ModelInferResponse>> ModelInferAsync(ModelInferRequest request, CallOptions options = default) =>
        CallAsync(Stub.ModelInferAsync(request, options));

    public Task<Answer<ModelInferResponse>> ModelInferAsync(ModelInferRequest request, CancellationToken cancellationToken) =>
        CallAsync(Stub.ModelInferAsync(request, cancellationToken: cancellationToken));

    /// <summary>Call options with request headers and a deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions With(Metadata? headers = null, TimeSpan? timeout = null, string? compression = null)
    {
        if (compression is not null)
        {
            // Grpc.Net.Client compresses a call's request with the algorithm this header names.
            headers ??= [];
            headers.Add("grpc-internal-encoding-request", compression);
        }

        return new CallOptions(headers, timeout is { } t ? DateTime.UtcNow.Add(t) : null);
    }

    private static async Task<Answer<T>> CallAsync<T>(AsyncUnaryCall<T> call)
    {
        using (call)
        {
            T message;
            try
            {
                message = await call;
            }
            catch (RpcException error)
            {
                Metadata headers;
                try
                {
                    headers = await call.ResponseHeadersAsync;
                }
                catch (RpcException)
                {
                    headers = [];
                }

                throw new CallFailedException(error, await call.GetTagsAsync(), headers);
            }

            return new Answer<T>(message, await call.GetTagsAsync(), await call.ResponseHeadersAsync);
        }
    }

    /// <summary>A response and what came with it.</summary>
    public sealed record Answer<T>(T Message, ResponseTags Tags, Metadata ResponseHeaders);
}
