using Inference.Grpc.Server;
using Inference.ModelServer.Model;
using Inference.ModelServer.Services;
using ServingStatus = Inference.Contracts.Health.HealthCheckResponse.Types.ServingStatus;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// Readiness: not ready until the model is warmed up, not ready again once draining starts. Mirrors itself
/// into grpc.health.v1 for "" (the server), the OIP service name and the model name.
/// </summary>
internal sealed class ServerState
{
    private readonly GrpcHealthService _health;
    private readonly string[] _healthServices;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _warm;
    private volatile bool _failed;
    private volatile bool _draining;

    public ServerState(GrpcHealthService health, ServedModel model)
    {
        _health = health;
        _healthServices = [string.Empty, InferenceService.ServiceName, model.Name];
        SetHealth(ServingStatus.NotServing);
    }

    /// <summary>Loaded, warmed up and not draining.</summary>
    public bool IsReady => _warm && !_draining;

    public bool IsDraining => _draining;

    /// <summary>The warm-up failed: the server never becomes ready and stops.</summary>
    public bool HasFailed => _failed;

    /// <summary>"ready", "warming", "draining" or "failed", for /readyz.</summary>
    public string Status => IsReady ? "ready" : _failed ? "failed" : _draining ? "draining" : "warming";

    /// <summary>
    /// Completes when the model has been warmed up (the first time the server became ready); fails when the warm-up
    /// failed.
    /// </summary>
    public Task WhenWarm => _ready.Task;

    public void MarkWarm()
    {
        _warm = true;
        if (!_draining)
        {
            SetHealth(ServingStatus.Serving);
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
        _draining = true;
        SetHealth(ServingStatus.NotServing);
    }

    private void SetHealth(ServingStatus status)
    {
        foreach (var service in _healthServices)
        {
            _health.SetStatus(service, status);
        }
    }
}
