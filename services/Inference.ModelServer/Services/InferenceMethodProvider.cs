using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Inference.Contracts.Oip;
using Inference.Engine.Responses;

namespace Inference.ModelServer.Services;

/// <summary>
/// Binds the six OIP methods (names and messages of the published service) to <see cref="InferenceService"/>.
/// Requests are parsed by <see cref="Parse"/>: a message that does not decode is INTERNAL "Failed to deserialize the
/// message.", as gRPC's reference implementations answer it. Responses are written as Grpc.Tools' generated code
/// writes them, and ModelInfer's <see cref="InferResult"/> straight from its outputs (the same bytes).
/// </summary>
internal sealed class InferenceMethodProvider(InferenceService service) : IServiceMethodProvider<InferenceEndpoint>
{
    public const string UndecodableMessage = "Failed to deserialize the message.";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<InferenceEndpoint> context)
    {
        Add(context, "ServerLive", ServerLiveRequest.Parser, service.ServerLive);
        Add(context, "ServerReady", ServerReadyRequest.Parser, service.ServerReady);
        Add(context, "ModelReady", ModelReadyRequest.Parser, service.ModelReady);
        Add(context, "ServerMetadata", ServerMetadataRequest.Parser, service.ServerMetadata);
        Add(context, "ModelMetadata", ModelMetadataRequest.Parser, service.ModelMetadata);
        Add(context, "ModelInfer", ModelInferRequest.Parser, service.ModelInfer, Marshallers.Create<InferResult>(WriteResult, NotRead<InferResult>));
    }

    private static void Add<TRequest, TResponse>(
        ServiceMethodProviderContext<InferenceEndpoint> context,
        string name,
        MessageParser<TRequest> parser,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        Add(context, name, parser, handler, Marshallers.Create<TResponse>(Serialize, NotRead<TResponse>));

    private static void Add<TRequest, TResponse>(
        ServiceMethodProviderContext<InferenceEndpoint> context,
        string name,
        MessageParser<TRequest> parser,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler,
        Marshaller<TResponse> responseMarshaller)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class
    {
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            GRPCInferenceService.Descriptor.FullName,
            name,
            Marshallers.Create(Serialize, deserializationContext => Parse(parser, deserializationContext)),
            responseMarshaller);
        context.AddUnaryMethod(method, [], (_, request, callContext) => handler(request, callContext));
    }

    private static T NotRead<T>(DeserializationContext context) => throw new NotSupportedException("Responses are written, not read.");

    private static T Parse<T>(MessageParser<T> parser, DeserializationContext context)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.Internal, UndecodableMessage));
        }
        catch (OutOfMemoryException)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "the server ran out of memory decoding the request message; retry later"));
        }
    }

    // Sized once, then written straight into the response's buffer; the ONNX Runtime outputs it read are released at once.
    private static void WriteResult(InferResult result, SerializationContext context)
    {
        try
        {
            context.SetPayloadLength(result.CalculateSize());
            result.WriteTo(context.GetBufferWriter());
            context.Complete();
        }
        finally
        {
            result.Dispose();
        }
    }

    // As Grpc.Tools' generated code writes a message: sized once, then straight into the response's buffer.
    private static void Serialize<T>(T message, SerializationContext context)
        where T : IMessage<T>
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
