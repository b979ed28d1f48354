using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Inference.Grpc.Server;

/// <summary>
/// Takes the UNIMPLEMENTED catch-all (<c>/{service}/{method}</c>) out of the routing tree wherever a mapped gRPC
/// method matches the same path, when the tree is built. The method always wins there anyway (the catch-all is
/// ordered last), but as a second candidate the catch-all sent every call through the matcher's general path,
/// which captures its route values (a dictionary per call) before choosing.
/// </summary>
internal sealed class UnimplementedFallbackPolicy : MatcherPolicy, INodeBuilderPolicy
{
    // After the HTTP method policy, which keeps both candidates of a POST together.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        var fallback = false;
        var method = false;
        foreach (var endpoint in endpoints)
        {
            fallback |= endpoint.Metadata.GetMetadata<GrpcUnimplementedMetadata>() is not null;
            method |= endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
        }

        return fallback && method;
    }

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints) =>
        [new PolicyNodeEdge(this, endpoints.Where(e => e.Metadata.GetMetadata<GrpcUnimplementedMetadata>() is null).ToArray())];

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges) =>
        new SingleDestination(edges.Count == 1 ? edges[0].Destination : exitDestination);

    private sealed class SingleDestination(int destination) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) => destination;
    }
}
