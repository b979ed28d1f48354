using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Inference.ModelServer.Hosting;

namespace Inference.ModelServer.Health;

/// <summary>
/// grpc.health.v1.Health: Check and Watch are Grpc.HealthCheck's <see cref="HealthServiceImpl"/>, whose statuses
/// <see cref="ServerState"/> sets. Watch streams end once the server drains, right after NOT_SERVING: a router
/// watching every replica would otherwise hold the shutdown open until the drain timeout.
/// </summary>
internal sealed class DrainingHealthService(HealthServiceImpl health, ServerState state) : Grpc.Health.V1.Health.HealthBase
{
    private const HealthCheckResponse.Types.ServingStatus NotServing = HealthCheckResponse.Types.ServingStatus.NotServing;

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) => health.Check(request, context);

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Draining);
        var writer = new LastStatusWriter(responseStream);
        await health.Watch(request, writer, new EndingCallContext(context, ending.Token)).ConfigureAwait(false);

        // The statuses queued before the stream ended are written; a stream opened while draining has none queued.
        if (!context.CancellationToken.IsCancellationRequested && state.IsDraining && writer.Last != NotServing)
        {
            await responseStream.WriteAsync(new HealthCheckResponse { Status = NotServing }).ConfigureAwait(false);
        }
    }
}
