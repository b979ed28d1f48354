using Inference.Contracts.Health;

namespace Inference.Grpc.Client;

/// <summary>Client of the standard <c>grpc.health.v1.Health</c> service.</summary>
public sealed class HealthClient(CallInvoker invoker)
{
    public const string CheckMethod = "/grpc.health.v1.Health/Check";
    public const string WatchMethod = "/grpc.health.v1.Health/Watch";

    private readonly CallInvoker _invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));

    /// <summary>The status now; NOT_FOUND (as <see cref="GrpcException"/>) for a service the server does not know.</summary>
    public Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, CallOptions options = default) =>
        _invoker.UnaryAsync<HealthCheckRequest, HealthCheckResponse>(CheckMethod, request, options);

    /// <summary>The status now, then each change, until the call is disposed or its deadline passes.</summary>
    public ServerStreamingCall<HealthCheckResponse> Watch(HealthCheckRequest request, CallOptions options = default) =>
        _invoker.ServerStreaming<HealthCheckRequest, HealthCheckResponse>(WatchMethod, request, options);
}
