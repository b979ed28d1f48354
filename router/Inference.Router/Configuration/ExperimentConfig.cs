namespace Inference.Router.Configuration;

/// <summary>An A/B experiment: named groups, each sending its share of traffic to one version.</summary>
public sealed record ExperimentConfig
{
    /// <summary>The experiment name; part of the hashed assignment key.</summary>
    public required string Name { get; init; }

    /// <summary>Request header whose value keeps a user in one group (lower case); null: random per request.</summary>
    public string? StickyHeader { get; init; }

    /// <summary>Whether <c>x-experiment-group</c> in a request may choose the group.</summary>
    public bool AllowOverride { get; init; }

    /// <summary>
    /// Whether a group whose version has no healthy endpoint is served by the control group's version (tagged as control,
    /// with <c>x-experiment-fallback</c> naming the assigned group) rather than failing UNAVAILABLE.
    /// </summary>
    public bool FallbackToControl { get; init; } = true;

    /// <summary>The group that receives all traffic on rollback.</summary>
    public required string Control { get; init; }

    /// <summary>Groups in configuration order; they own contiguous bucket ranges in this order.</summary>
    public required IReadOnlyList<ExperimentGroupConfig> Groups { get; init; }

    /// <summary>The version that receives copies of calls for comparison; null: none.</summary>
    public ShadowConfig? Shadow { get; init; }

    /// <summary>Automatic rollback on a group's faults or latency; null: none.</summary>
    public GuardConfig? Guard { get; init; }

    /// <summary>Outcome metrics callers may report for this experiment's answers; empty: none.</summary>
    public IReadOnlyList<OutcomeMetricConfig> Metrics { get; init; } = [];

    /// <summary>Structural equality, so a reloaded file can be compared with the running one.</summary>
    public bool Equals(ExperimentConfig? other) =>
        other is not null
        && Name == other.Name
        && StickyHeader == other.StickyHeader
        && AllowOverride == other.AllowOverride
        && FallbackToControl == other.FallbackToControl
        && Control == other.Control
        && Groups.SequenceEqual(other.Groups)
        && Equals(Shadow, other.Shadow)
        && Equals(Guard, other.Guard)
        && Metrics.SequenceEqual(other.Metrics);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, StickyHeader, AllowOverride, Control, Groups.Count);
}
