namespace Inference.Grpc.Server;

/// <summary>Marks the UNIMPLEMENTED catch-all endpoint (see <see cref="UnimplementedFallbackPolicy"/>).</summary>
internal sealed class GrpcUnimplementedMetadata
{
    public static readonly GrpcUnimplementedMetadata Instance = new();
}
