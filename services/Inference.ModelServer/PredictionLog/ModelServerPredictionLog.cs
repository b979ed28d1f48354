using System.Diagnostics.Metrics;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Diagnostics;
using Inference.PredictionLog;

namespace Inference.ModelServer.PredictionLog;

/// <summary>The model server's prediction log, or nothing when --prediction-log is not given.</summary>
internal sealed class ModelServerPredictionLog : IAsyncDisposable
{
    public ModelServerPredictionLog(ModelServerOptions options, IMeterFactory meterFactory, TimeProvider time, Func<ILineSink>? sink = null)
    {
        if (options.PredictionLog is not { } log)
        {
            return;
        }

        var lines = sink?.Invoke() ?? (log.ToStandardOutput
            ? new StreamSink(Console.OpenStandardOutput(), ownsStream: true)
            : new RotatingFileSink(log.Target, log.MaxFileBytes, log.MaxFiles, time));
        Writer = new PredictionLogWriter(log, lines, options.PredictionLogRandom, meterFactory.Create(ModelServerMetrics.MeterName), "inference");
    }

    /// <summary>Null when the log is off.</summary>
    public PredictionLogWriter? Writer { get; }

    public ValueTask DisposeAsync() => Writer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
