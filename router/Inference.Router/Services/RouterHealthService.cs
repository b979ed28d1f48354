using Grpc.Core;
using Grpc.Health.V1;
using Inference.Router.Hosting;
using Inference.Router.Routing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Inference.Router.Services;

/// <summary>
/// grpc.health.v1.Health for the router. Service <c>""</c> and <c>inference.GRPCInferenceService</c> (the name KServe-
/// and Triton-style probes ask for) are the router itself: SERVING while it is ready. Service <c>&lt;model&gt;</c> is
/// SERVING while some endpoint of that model passes its health checks (an ejected one counts: it still takes calls
/// when it is all that is left). Every known service is NOT_SERVING once shutdown has begun. Check answers NOT_FOUND
/// for any other name; Watch reports SERVICE_UNKNOWN for it and follows it should a configuration add it.
/// </summary>
internal sealed class RouterHealthService(RouterState state, RouterReadiness readiness, ChangeSignal changes) : Health.HealthBase
{
    public const string InferenceService = "inference.GRPCInferenceService";

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        StatusOf(request.Service) is { } status
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));

    /// <summary>
    /// Sends the status at once and again at every change, until the caller leaves or the router has drained (then
    /// the stream ends: NOT_SERVING went out when shutdown began).
    /// </summary>
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, readiness.Drained);
        ServingStatus? sent = null;
        while (true)
        {
            var next = changes.Next;
            var status = StatusOf(request.Service) ?? ServingStatus.ServiceUnknown;
            if (status != sent)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
                sent = status;
            }

            if (ending.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await next.WaitAsync(ending.Token);
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                // Drained: one last look, so the final status is the one sent.
            }
        }
    }

    private ServingStatus? StatusOf(string service)
    {
        if (service.Length == 0 || service == InferenceService)
        {
            return readiness.IsReady ? ServingStatus.Serving : ServingStatus.NotServing;
        }

        if (state.Current?.Models.TryGetValue(service, out var model) != true)
        {
            return null;
        }

        return readiness.IsReady && model!.Versions.Values.Any(pool => pool.CanServe()) ? ServingStatus.Serving : ServingStatus.NotServing;
    }
}
