namespace Inference.Router.Configuration;

/// <summary>
/// Automatic rollback of an experiment: over a sliding window, each group's rate of server faults and its p99
/// latency are judged against the control group's; a breach rolls the experiment back to control.
/// </summary>
public sealed record GuardConfig
{
    /// <summary>The shortest window accepted: shorter ones judge on too few calls to mean anything.</summary>
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(10);

    /// <summary>Length of the sliding window.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Calls a group (and, for the latency rule, control) needs in the window before it is judged.</summary>
    public int MinRequests { get; init; } = 200;

    /// <summary>A group breaches when its server-fault rate exceeds control's by more than this (0–1).</summary>
    public double MaxErrorRateIncrease { get; init; } = 0.02;

    /// <summary>A group breaches when its p99 latency exceeds control's by more than this factor (above 1).</summary>
    public double MaxP99LatencyRatio { get; init; } = 2.0;
}
