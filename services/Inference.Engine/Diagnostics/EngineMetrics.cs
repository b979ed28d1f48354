using System.Diagnostics.Metrics;
using Inference.Engine.Model;
using Inference.Engine.Tensors;

namespace Inference.Engine.Diagnostics;

/// <summary>
/// The engine's instruments (their names are the Prometheus names of the design). Tag sets that do not depend on
/// the request are built once, so recording allocates nothing.
/// </summary>
public sealed class EngineMetrics
{
    public const string MeterName = "Inference.Engine";

    /// <summary>Buckets of inference_output_value: fine over [0, 1] (probabilities), coarse beyond (labels, scores).</summary>
    public static readonly double[] OutputValueBuckets =
    [
        -1000, -100, -10, -5, -2, -1, -0.5, 0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1,
        2, 3, 4, 5, 10, 100, 1000,
    ];

    /// <summary>Buckets of inference_batch_size: requests per Run.</summary>
    public static readonly long[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>Buckets of inference_queue_duration_seconds: from 10 µs (a batch that filled at once) to 10 s.</summary>
    public static readonly double[] QueueDurationBuckets =
    [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10,
    ];

    /// <summary>Buckets of the call and compute durations: 100 µs to 10 s.</summary>
    public static readonly double[] DurationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<double> _outputValue;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _queueDuration;
    private readonly KeyValuePair<string, object?>[] _modelTags;
    private readonly KeyValuePair<string, object?>[][] _outputTags;
    private Func<long>? _inFlightSource;

    /// <param name="meterFactory">The host's meter factory; null for a meter nobody listens to (a tool without metrics).</param>
    public EngineMetrics(IMeterFactory? meterFactory, InferenceModel model)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _computeDuration = meter.CreateHistogram<double>(
            "inference_compute_duration_seconds",
            unit: "s",
            description: "Time inside ONNX Runtime Run (one merged Run counts once).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        // Read at each scrape from the admission's own count: nothing to record on the request path.
        meter.CreateObservableUpDownCounter(
            "inference_in_flight", ObserveInFlight, unit: null, description: "Inferences admitted and not yet answered.");
        _outputValue = meter.CreateHistogram<double>(
            "inference_output_value",
            unit: null,
            description: "First element of each output row: the prediction distribution, for drift monitoring.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OutputValueBuckets });
        _batchSize = meter.CreateHistogram<long>(
            "inference_batch_size",
            unit: null,
            description: "Requests per ONNX Runtime Run: 1 without batching, the requests merged into it with --batching.",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchSizeBuckets });
        _queueDuration = meter.CreateHistogram<double>(
            "inference_queue_duration_seconds",
            unit: "s",
            description: "Time a request waited before its Run started: for an admission slot, then (with --batching) in its batch.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueDurationBuckets });

        KeyValuePair<string, object?> modelTag = new("model", model.Name);
        KeyValuePair<string, object?> versionTag = new("version", model.Version);
        _modelTags = [modelTag, versionTag];
        _outputTags = model.Outputs
            .Select(o => new KeyValuePair<string, object?>[] { modelTag, versionTag, new("output", o.Name) })
            .ToArray();
    }

    internal void ComputeCompleted(double seconds) => _computeDuration.Record(seconds, _modelTags);

    /// <summary>A Run starts for <paramref name="requests"/> requests.</summary>
    internal void RunStarted(int requests) => _batchSize.Record(requests, _modelTags);

    internal void QueueCompleted(double seconds) => _queueDuration.Record(seconds, _modelTags);

    /// <summary>Where inference_in_flight reads its value (the engine's admission); 0 until set.</summary>
    internal void SetInFlightSource(Func<long> source) => Volatile.Write(ref _inFlightSource, source);

    private Measurement<long> ObserveInFlight() => new(Volatile.Read(ref _inFlightSource)?.Invoke() ?? 0, _modelTags);

    /// <summary>Records the first element of each row in [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) (all rows when negative).</summary>
    internal void RecordOutputRows(TensorSpec spec, in RunOutput value, long rowStart, long rowCount)
    {
        if (!_outputValue.Enabled || spec.IsString || value.ElementCount == 0)
        {
            return;
        }

        var shape = value.Shape;
        var perRow = OutputEncoder.RowSize(shape);
        if (rowCount < 0)
        {
            rowStart = 0;
            rowCount = shape.Length == 0 ? 1 : shape[0];
        }

        if (perRow == 0)
        {
            return;
        }

        var data = value.Bytes;
        var tags = _outputTags[spec.Index].AsSpan();
        for (var row = rowStart; row < rowStart + rowCount; row++)
        {
            // NaN and infinities have no bucket, and would poison the histogram's sum for good.
            var first = OutputEncoder.ReadAsDouble(spec.ElementType, data, row * perRow);
            if (double.IsFinite(first))
            {
                _outputValue.Record(first, tags);
            }
        }
    }
}
