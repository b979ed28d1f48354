namespace Inference.Router.Proxy;

/// <summary>The methods of <c>inference.GRPCInferenceService</c> whose request names a model: the ones the router forwards.</summary>
internal enum GrpcMethod
{
    ModelInfer,
    ModelMetadata,
    ModelReady,
}

internal static class GrpcMethods
{
    public static readonly GrpcMethod[] Forwarded = [GrpcMethod.ModelInfer, GrpcMethod.ModelMetadata, GrpcMethod.ModelReady];

    public static string Path(GrpcMethod method) => method switch
    {
        GrpcMethod.ModelInfer => "/inference.GRPCInferenceService/ModelInfer",
        GrpcMethod.ModelMetadata => "/inference.GRPCInferenceService/ModelMetadata",
        _ => "/inference.GRPCInferenceService/ModelReady",
    };
}
