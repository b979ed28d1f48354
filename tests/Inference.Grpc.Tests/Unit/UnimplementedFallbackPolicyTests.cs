using Inference.Grpc.Server;
using Inference.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Grpc.Tests.Unit;

public sealed class UnimplementedFallbackPolicyTests
{
    [Fact]
    public async Task AddGrpcServer_RegistersThePolicy_WhichDropsTheCatchAllOnlyBesideAMappedMethod()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpcServer();
        await using var app = builder.Build();
        app.MapGrpcUnary<EchoRequest, EchoReply>("/test.Echo/Unary", (request, context) => ValueTask.FromResult(new EchoReply()));
        app.MapPost("/plain/post", (HttpContext context) => Task.CompletedTask);
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).ToArray();
        var method = Assert.Single(endpoints, e => e.DisplayName == "gRPC /test.Echo/Unary");
        var fallback = Assert.Single(endpoints, e => e.DisplayName == "gRPC unimplemented");
        var plain = Assert.Single(endpoints, e => e.DisplayName?.Contains("/plain/post", StringComparison.Ordinal) == true);
        var policy = Assert.Single(app.Services.GetServices<MatcherPolicy>().OfType<UnimplementedFallbackPolicy>());

        // Where a mapped method matches the path, the catch-all leaves the tree; the method stays.
        Assert.True(policy.AppliesToEndpoints([method, fallback]));
        var edge = Assert.Single(policy.GetEdges([method, fallback]));
        Assert.Equal([method], edge.Endpoints);

        // Anywhere else (an unknown method, or another kind of endpoint) the catch-all still answers.
        Assert.False(policy.AppliesToEndpoints([fallback]));
        Assert.False(policy.AppliesToEndpoints([plain, fallback]));
        Assert.False(policy.AppliesToEndpoints([method]));
    }
}
