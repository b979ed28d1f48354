using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Grpc.Client;

namespace Inference.Client;

/// <summary>
/// Typed client of <c>inference.GRPCInferenceService</c> (Open Inference Protocol v2), for a model server or the
/// router. Failed calls throw <see cref="Inference.Grpc.GrpcException"/> (status code, message, and the
/// response's metadata: see <see cref="ResponseTags.From(Inference.Grpc.GrpcException)"/>). Thread-safe.
/// </summary>
public sealed class InferenceClient
{
    public const string ServiceName = "inference.GRPCInferenceService";
    public const string ServerLiveMethod = "/" + ServiceName + "/ServerLive";
    public const string ServerReadyMethod = "/" + ServiceName + "/ServerReady";
    public const string ModelReadyMethod = "/" + ServiceName + "/ModelReady";
    public const string ServerMetadataMethod = "/" + ServiceName + "/ServerMetadata";
    public const string ModelMetadataMethod = "/" + ServiceName + "/ModelMetadata";
    public const string ModelInferMethod = "/" + ServiceName + "/ModelInfer";

    private readonly CallInvoker _invoker;

    /// <param name="invoker">Usually a <see cref="GrpcChannel"/> (<c>GrpcChannel.ForAddress("http://host:8001")</c>).</param>
    public InferenceClient(CallInvoker invoker) => _invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));

    public Task<InferenceResponse<ServerLiveResponse>> ServerLiveAsync(CallOptions options = default) =>
        CallAsync<ServerLiveRequest, ServerLiveResponse>(ServerLiveMethod, new ServerLiveRequest(), options);

    public Task<InferenceResponse<ServerReadyResponse>> ServerReadyAsync(CallOptions options = default) =>
        CallAsync<ServerReadyRequest, ServerReadyResponse>(ServerReadyMethod, new ServerReadyRequest(), options);

    public Task<InferenceResponse<ServerMetadataResponse>> ServerMetadataAsync(CallOptions options = default) =>
        CallAsync<ServerMetadataRequest, ServerMetadataResponse>(ServerMetadataMethod, new ServerMetadataRequest(), options);

    /// <param name="model">Model name.</param>
    /// <param name="version">A version, or null/empty to let the server (or the router's experiment) choose.</param>
    /// <param name="options">Deadline, headers (e.g. <c>x-user-id</c> for sticky experiments), cancellation.</param>
    public Task<InferenceResponse<ModelReadyResponse>> ModelReadyAsync(string model, string? version = null, CallOptions options = default) =>
        CallAsync<ModelReadyRequest, ModelReadyResponse>(ModelReadyMethod, new ModelReadyRequest { Name = model, Version = version ?? string.Empty }, options);

    /// <inheritdoc cref="ModelReadyAsync"/>
    public Task<InferenceResponse<ModelMetadataResponse>> ModelMetadataAsync(string model, string? version = null, CallOptions options = default) =>
        CallAsync<ModelMetadataRequest, ModelMetadataResponse>(ModelMetadataMethod, new ModelMetadataRequest { Name = model, Version = version ?? string.Empty }, options);

    /// <summary>
    /// Runs an inference. Build the request with <see cref="InferRequestExtensions"/> (inputs from arrays) and
    /// read the answer with <see cref="InferResponseExtensions"/> (outputs into arrays).
    /// </summary>
    public Task<InferenceResponse<ModelInferResponse>> ModelInferAsync(ModelInferRequest request, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync<ModelInferRequest, ModelInferResponse>(ModelInferMethod, request, options);
    }

    private async Task<InferenceResponse<TResponse>> CallAsync<TRequest, TResponse>(string method, TRequest request, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var response = await _invoker.UnaryCallAsync<TRequest, TResponse>(method, request, options).ConfigureAwait(false);
        return new InferenceResponse<TResponse>(response.Message, response.ResponseHeaders, response.Trailers);
    }
}
