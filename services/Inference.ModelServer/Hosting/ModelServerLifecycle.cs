using System.Diagnostics;
using Inference.ModelServer.Diagnostics;
using Inference.ModelServer.Execution;
using Inference.ModelServer.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// Start: logs the bound addresses, warms the model up in the background, then reports ready.
/// SIGTERM (host stopping): not ready at once (health NOT_SERVING, /readyz 503), the batcher stops waiting
/// for batches to fill, serving goes on for the drain delay, then Kestrel drains in-flight calls
/// (bounded by the host's shutdown timeout) and the batcher stops last.
/// </summary>
internal sealed class ModelServerLifecycle(
    ModelServerHost host,
    ServedModel model,
    InferenceEngine engine,
    ServerState state,
    IHostApplicationLifetime lifetime,
    ILogger<ModelServerLifecycle> logger) : IHostedLifecycleService
{
    private Task _warmUp = Task.CompletedTask;
    private CancellationTokenRegistration _stopping;
    private int _delayed;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(BeginDrain);
        ModelServerLog.Listening(logger, host.GrpcAddress.ToString().TrimEnd('/'), host.HttpAddress.ToString().TrimEnd('/'));
        _warmUp = Task.Run(WarmUp, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        // Once: a second StopAsync (e.g. disposing after a stop) must not wait again.
        if (host.Options.DrainDelay > TimeSpan.Zero && Interlocked.Exchange(ref _delayed, 1) == 0)
        {
            await Task.Delay(host.Options.DrainDelay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await _warmUp.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ModelServerLog.Stopped(logger, engine.InFlight);
        await engine.DisposeAsync().ConfigureAwait(false);
    }

    private void BeginDrain()
    {
        if (state.IsDraining)
        {
            return;
        }

        state.MarkDraining();
        engine.Flush();
        ModelServerLog.Draining(logger, engine.InFlight, host.Options.DrainTimeout);
    }

    private void WarmUp()
    {
        var start = Stopwatch.GetTimestamp();
        if (!host.Options.SkipWarmup)
        {
            try
            {
                engine.WarmUp();
            }
            catch (Exception ex)
            {
                ModelServerLog.WarmUpFailed(logger, ex);
            }
        }

        state.MarkWarm();
        ModelServerLog.Ready(logger, model.Name, model.Version, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}
