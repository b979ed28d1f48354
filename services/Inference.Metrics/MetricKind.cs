namespace Inference.Metrics;

internal enum MetricKind
{
    /// <summary>A monotonic sum, recorded as increments.</summary>
    Counter,
    /// <summary>A sum that goes both ways, recorded as increments.</summary>
    UpDownSum,
    /// <summary>A value replaced by each measurement (gauges and observed totals).</summary>
    LastValue,
    Histogram,
}
