namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>Runs completed in the measured window, and per-run latencies in microseconds.</summary>
internal readonly record struct FloorResult(long Runs, double Seconds, double MeanMicroseconds, double P50Microseconds, double P99Microseconds);
