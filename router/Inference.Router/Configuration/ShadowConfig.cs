namespace Inference.Router.Configuration;

/// <summary>
/// A shadow version of an experiment: a share of the experiment's calls is copied to it after the primary call was
/// sent, and its answer is compared with the primary's. The caller never waits for it nor sees it.
/// </summary>
public sealed record ShadowConfig
{
    /// <summary>Default <see cref="AbsoluteTolerance"/>.</summary>
    public const double DefaultAbsoluteTolerance = 1e-5;

    /// <summary>Default <see cref="RelativeTolerance"/>.</summary>
    public const double DefaultRelativeTolerance = 1e-4;

    /// <summary>The model version that receives the copies (one of the model's versions).</summary>
    public required string Version { get; init; }

    /// <summary>Share of the experiment's calls copied, 0–100.</summary>
    public required double Percent { get; init; }

    /// <summary>Floating-point elements agree when |a − b| ≤ absolute + relative × |a|.</summary>
    public double AbsoluteTolerance { get; init; } = DefaultAbsoluteTolerance;

    /// <inheritdoc cref="AbsoluteTolerance"/>
    public double RelativeTolerance { get; init; } = DefaultRelativeTolerance;

    /// <summary>The copy's own deadline (sent as grpc-timeout); it is never retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Copies in flight at once; a copy above it is dropped and counted.</summary>
    public int MaxConcurrent { get; init; } = 32;

    /// <summary>
    /// Largest request or response body buffered for one copy; a call above it is not copied (dropped and counted).
    /// With <see cref="MaxConcurrent"/> it bounds the memory shadowing holds: 2 × this × MaxConcurrent.
    /// </summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;
}
