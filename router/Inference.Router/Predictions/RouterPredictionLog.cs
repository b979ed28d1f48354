using System.Diagnostics.Metrics;
using Inference.PredictionLog;
using Inference.Router.Hosting;
using Inference.Router.Metrics;

namespace Inference.Router.Predictions;

/// <summary>The router's prediction log, or nothing when --prediction-log is not given.</summary>
internal sealed class RouterPredictionLog : IAsyncDisposable
{
    public RouterPredictionLog(RouterOptions options, IMeterFactory meterFactory)
    {
        if (options.PredictionLog is not { } log)
        {
            return;
        }

        var lines = options.PredictionLogSink?.Invoke() ?? (log.ToStandardOutput
            ? new StreamSink(Console.OpenStandardOutput(), ownsStream: true)
            : new RotatingFileSink(log.Target, log.MaxFileBytes, log.MaxFiles, options.Time));
        Writer = new PredictionLogWriter(log, lines, options.PredictionLogRandom, meterFactory.Create(RouterMetrics.MeterName), "router");
    }

    /// <summary>Null when the log is off.</summary>
    public PredictionLogWriter? Writer { get; }

    public ValueTask DisposeAsync() => Writer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
