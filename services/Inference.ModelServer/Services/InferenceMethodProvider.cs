using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Services;

/// <summary>
/// Binds the six OIP methods (names, types and response marshalling as Grpc.Tools generates them) to
/// <see cref="InferenceService"/>. Requests are parsed by <see cref="Parse"/>: a message that does not decode is
/// INTERNAL "Failed to deserialize the message.", as gRPC's reference implementations answer it.
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
        Add(context, "ModelInfer", ModelInferRequest.Parser, service.ModelInfer);
    }

    private static void Add<TRequest, TResponse>(
        ServiceMethodProviderContext<InferenceEndpoint> context,
        string name,
        MessageParser<TRequest> parser,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var method = new Method<TRequest, TResponse>(
            MethodType.Unary,
            GRPCInferenceService.Descriptor.FullName,
            name,
            Marshallers.Create(Serialize, deserializationContext => Parse(parser, deserializationContext)),
            Marshallers.Create<TResponse>(Serialize, static _ => throw new NotSupportedException("Responses are written, not read.")));
        context.AddUnaryMethod(method, [], (_, request, callContext) => handler(request, callContext));
    }

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
