using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inference.Grpc.Server;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GrpcServerOptions"/> for the gRPC methods mapped in this host, and the routing policy that
    /// keeps the UNIMPLEMENTED catch-all from being matched alongside every mapped method.
    /// </summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, UnimplementedFallbackPolicy>());
        var builder = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services;
    }

    /// <summary>Registers a singleton <see cref="GrpcHealthService"/> for <c>MapGrpcHealthService()</c> and the host to update.</summary>
    public static IServiceCollection AddGrpcHealthService(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<GrpcHealthService>();
        return services;
    }
}
