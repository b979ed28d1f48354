using System.Diagnostics;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Inference.Engine.Runtime;
using Inference.ModelServer.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Hosting;

/// <summary>
/// Start: logs the bound addresses, warms the model up in the background, then reports ready. A model that fails
/// its warm-up is not served: the failure is logged and the host stops with exit code 1 (a model that cannot
/// answer one synthetic request is broken or needs --no-warmup; a crash-looping pod says so louder than a pod
/// that never turns ready).
/// SIGTERM (host stopping): not ready at once (health NOT_SERVING, /readyz 503), the batcher stops waiting
/// for batches to fill, serving goes on for the drain delay, then Kestrel drains in-flight calls
/// (bounded by the host's shutdown timeout) and the batcher stops last.
/// </summary>
internal sealed class ModelServerLifecycle(
    ModelServerHost host,
    InferenceModel model,
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
        _warmUp = Task.Run(WarmUpAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        // Once: a second StopAsync (e.g. disposing after a stop) must not wait again. A server that never became
        // ready has had no traffic to drain.
        if (host.Options.DrainDelay > TimeSpan.Zero && !state.HasFailed && Interlocked.Exchange(ref _delayed, 1) == 0)
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

    private async Task WarmUpAsync()
    {
        if (host.BeforeWarmUp is { } hold)
        {
            await hold().ConfigureAwait(false);
        }

        var start = Stopwatch.GetTimestamp();
        if (!host.Options.SkipWarmup)
        {
            try
            {
                engine.WarmUp();
            }
            catch (Exception ex)
            {
                var reason = (ex is OnnxRuntimeException ort && OrtFailure.Of(ort) is var failure
                    ? $"ONNX Runtime error code {failure.Code}: {failure.Message}"
                    : ex.Message).TrimEnd();
                ModelServerLog.WarmUpFailed(logger, model.Name, model.Version, reason.EndsWith('.') ? reason : reason + ".", ex);
                host.ExitCode = 1;
                state.MarkFailed(ex);
                lifetime.StopApplication();
                return;
            }
        }

        state.MarkWarm();
        ModelServerLog.Ready(logger, model.Name, model.Version, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}
