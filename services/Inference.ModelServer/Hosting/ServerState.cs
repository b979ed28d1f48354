using Grpc.Health.V1;
using Grpc.HealthCheck;
using Inference.Contracts.Oip;
using Inference.Engine.Model;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// Readiness: not ready until the model is warmed up, not ready again once draining starts. Mirrors itself
/// into grpc.health.v1 (Grpc.HealthCheck's service) for "" (the server), the OIP service name and the model name.
/// </summary>
internal sealed class ServerState
{
    private readonly HealthServiceImpl _health;
    private readonly string[] _healthServices;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _draining = new();
    private volatile bool _warm;
    private volatile bool _failed;

    public ServerState(HealthServiceImpl health, InferenceModel model)
    {
        _health = health;
        _healthServices = [string.Empty, GRPCInferenceService.Descriptor.FullName, model.Name];
        SetHealth(HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    /// <summary>Loaded, warmed up and not draining.</summary>
    public bool IsReady => _warm && !IsDraining;

    public bool IsDraining => _draining.IsCancellationRequested;

    /// <summary>Cancelled when draining starts (health Watch streams end then).</summary>
    public CancellationToken Draining => _draining.Token;

    /// <summary>The warm-up failed: the server never becomes ready and stops.</summary>
    public bool HasFailed => _failed;

    /// <summary>"ready", "warming", "draining" or "failed", for /readyz.</summary>
    public string Status => IsReady ? "ready" : _failed ? "failed" : IsDraining ? "draining" : "warming";

    /// <summary>
    /// Completes when the model has been warmed up (the first time the server became ready); fails when the warm-up
    /// failed.
    /// </summary>
    public Task WhenWarm => _ready.Task;

    public void MarkWarm()
    {
        _warm = true;
        if (!IsDraining)
        {
            SetHealth(HealthCheckResponse.Types.ServingStatus.Serving);
        }

        _ready.TrySetResult();
    }

    public void MarkFailed(Exception reason)
    {
        _failed = true;
        _ready.TrySetException(reason);
    }

    public void MarkDraining()
    {
        // NOT_SERVING first, so that every Watch stream has it queued before its stream is ended.
        SetHealth(HealthCheckResponse.Types.ServingStatus.NotServing);
        _draining.Cancel();
    }

    private void SetHealth(HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var service in _healthServices)
        {
            _health.SetStatus(service, status);
        }
    }
}
