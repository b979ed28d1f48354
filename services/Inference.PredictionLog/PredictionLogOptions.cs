using System.Globalization;

namespace Inference.PredictionLog;

/// <summary>Where and how much the prediction log writes.</summary>
public sealed record PredictionLogOptions
{
    public const double DefaultSampleRate = 0.01;

    /// <summary>A directory for rotating files, or <c>-</c> for standard output (a log shipper's pick-up).</summary>
    public required string Target { get; init; }

    /// <summary>The share of calls recorded, 0 to 1.</summary>
    public double SampleRate { get; init; } = DefaultSampleRate;

    /// <summary>A file is closed and a new one started past this size.</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The most files kept in the directory; the oldest is deleted beyond.</summary>
    public int MaxFiles { get; init; } = 10;

    /// <summary>Records waiting for the writer; a record that finds the queue full is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Inputs or outputs larger than this (serialized bytes) are logged as their SHA-256 and size only.</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;

    public bool ToStandardOutput => Target == "-";

    /// <summary>Parses a sample rate flag value, or throws <see cref="FormatException"/> saying what is allowed.</summary>
    public static double ParseSampleRate(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw new FormatException($"--prediction-log-sample takes a share from 0 to 1, not '{text}'");
}
