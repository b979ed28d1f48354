namespace Inference.Grpc.Server;

/// <summary>Marks the endpoint of a mapped gRPC method (see <see cref="UnimplementedFallbackPolicy"/>).</summary>
internal sealed class GrpcMethodMetadata
{
    public static readonly GrpcMethodMetadata Instance = new();
}
