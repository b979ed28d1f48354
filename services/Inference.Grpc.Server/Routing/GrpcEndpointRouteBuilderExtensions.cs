using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inference.Grpc.Server;

/// <summary>
/// Maps gRPC methods by their full path (<c>/package.Service/Method</c>). The first mapping on a
/// route builder also maps a catch-all that answers any other <c>/x/y</c> POST with UNIMPLEMENTED.
/// </summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    private const string LoggerCategory = "Inference.Grpc.Server";
    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, object> s_withFallback = [];

    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string method, Func<TRequest, ServerCallContext, ValueTask<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, time, logger) = Resolve(endpoints);
        return MapCore(endpoints, method, new UnaryServerCallHandler<TRequest, TResponse>(handler, options, time, logger));
    }

    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string method, Func<TRequest, IAsyncStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, time, logger) = Resolve(endpoints);
        return MapCore(endpoints, method, new ServerStreamingServerCallHandler<TRequest, TResponse>(handler, options, time, logger));
    }

    public static IEndpointConventionBuilder MapGrpcClientStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string method, Func<IAsyncStreamReader<TRequest>, ServerCallContext, ValueTask<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, time, logger) = Resolve(endpoints);
        return MapCore(endpoints, method, new ClientStreamingServerCallHandler<TRequest, TResponse>(handler, options, time, logger));
    }

    public static IEndpointConventionBuilder MapGrpcDuplexStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string method, Func<IAsyncStreamReader<TRequest>, IAsyncStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var (options, time, logger) = Resolve(endpoints);
        return MapCore(endpoints, method, new DuplexStreamingServerCallHandler<TRequest, TResponse>(handler, options, time, logger));
    }

    /// <summary>
    /// Maps <c>grpc.health.v1.Health</c> Check and Watch to <paramref name="service"/>, or to the
    /// <see cref="GrpcHealthService"/> registered in DI (<see cref="GrpcServiceCollectionExtensions.AddGrpcHealthService"/>).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints, GrpcHealthService? service = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        service ??= endpoints.ServiceProvider.GetRequiredService<GrpcHealthService>();
        // Open Watch calls would otherwise keep the host from draining until its shutdown timeout.
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(service.Shutdown);
        var check = endpoints.MapGrpcUnary<Inference.Contracts.Health.HealthCheckRequest, Inference.Contracts.Health.HealthCheckResponse>(
            GrpcHealthService.CheckMethod, service.CheckAsync);
        var watch = endpoints.MapGrpcServerStreaming<Inference.Contracts.Health.HealthCheckRequest, Inference.Contracts.Health.HealthCheckResponse>(
            GrpcHealthService.WatchMethod, service.WatchAsync);
        return new CompositeConventionBuilder(check, watch);
    }

    /// <summary>
    /// Answers every <c>/service/method</c> POST not mapped otherwise with UNIMPLEMENTED (trailers-only).
    /// Called by the Map methods; call it yourself only on a builder with no gRPC methods.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var (options, _, logger) = Resolve(endpoints);
        var builder = endpoints.MapPost("/{grpcService}/{grpcMethod}", http =>
        {
            if (ServerCallHandler.TryValidate(http, options, logger, out _, out _))
            {
                ServerCallHandler.WriteUnimplemented(http);
            }

            return Task.CompletedTask;
        });
        builder.WithDisplayName("gRPC unimplemented");
        builder.WithMetadata(GrpcUnimplementedMetadata.Instance);
        // Behind every literal method route, whatever the mapping order.
        builder.Add(static b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
        s_withFallback.AddOrUpdate(endpoints, builder);
        return builder;
    }

    private static IEndpointConventionBuilder MapCore(IEndpointRouteBuilder endpoints, string method, ServerCallHandler handler)
    {
        ValidateMethodPath(method);
        if (!s_withFallback.TryGetValue(endpoints, out _))
        {
            endpoints.MapGrpcUnimplemented();
        }

        var builder = endpoints.MapPost(method, handler.HandleCallAsync);
        builder.WithDisplayName("gRPC " + method);
        builder.WithMetadata(GrpcMethodMetadata.Instance);
        return builder;
    }

    private static void ValidateMethodPath(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var slash = method.IndexOf('/', 1);
        if (method[0] != '/' || slash < 2 || slash == method.Length - 1 || method.IndexOf('/', slash + 1) >= 0)
        {
            throw new ArgumentException($"'{method}' is not a gRPC method path like '/package.Service/Method'.", nameof(method));
        }
    }

    private static (GrpcServerOptions Options, TimeProvider Time, ILogger Logger) Resolve(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var options = services.GetService<IOptions<GrpcServerOptions>>()?.Value ?? new GrpcServerOptions();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;
        return (options, time, logger);
    }

    private sealed class CompositeConventionBuilder(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
