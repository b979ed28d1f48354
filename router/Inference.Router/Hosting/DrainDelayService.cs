namespace Inference.Router.Hosting;

/// <summary>
/// On shutdown, keeps the router serving for the drain delay: /readyz already reports 503 (set when the application
/// started stopping), so a load balancer or Kubernetes stops sending new connections before the listeners close. When
/// the delay is over, the health Watch streams the router serves end, so they do not hold up the shutdown.
/// </summary>
internal sealed class DrainDelayService(TimeSpan delay, RouterReadiness readiness, ILogger<DrainDelayService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service (Kestrel included) is asked to stop.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.Stopping();
        if (delay > TimeSpan.Zero)
        {
            HostLog.DrainDelay(logger, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out first: stop now.
            }
        }

        readiness.DrainOver();
    }
}
