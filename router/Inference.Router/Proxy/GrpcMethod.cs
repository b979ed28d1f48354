namespace Inference.Router.Proxy;

/// <summary>The methods the router recognises by path.</summary>
internal enum GrpcMethod
{
    Unknown,
    ServerLive,
    ServerReady,
    ServerMetadata,
    ModelReady,
    ModelMetadata,
    ModelInfer,
    HealthCheck,
    HealthWatch,
}

internal static class GrpcMethods
{
    private const string Oip = "/inference.GRPCInferenceService/";

    public static GrpcMethod Classify(string? path)
    {
        if (path is null)
        {
            return GrpcMethod.Unknown;
        }

        if (path.StartsWith(Oip, StringComparison.Ordinal))
        {
            return path.AsSpan(Oip.Length) switch
            {
                "ModelInfer" => GrpcMethod.ModelInfer,
                "ModelMetadata" => GrpcMethod.ModelMetadata,
                "ModelReady" => GrpcMethod.ModelReady,
                "ServerLive" => GrpcMethod.ServerLive,
                "ServerReady" => GrpcMethod.ServerReady,
                "ServerMetadata" => GrpcMethod.ServerMetadata,
                _ => GrpcMethod.Unknown,
            };
        }

        return path switch
        {
            "/grpc.health.v1.Health/Check" => GrpcMethod.HealthCheck,
            "/grpc.health.v1.Health/Watch" => GrpcMethod.HealthWatch,
            _ => GrpcMethod.Unknown,
        };
    }

    public static bool CarriesModel(GrpcMethod method) =>
        method is GrpcMethod.ModelInfer or GrpcMethod.ModelMetadata or GrpcMethod.ModelReady;
}
