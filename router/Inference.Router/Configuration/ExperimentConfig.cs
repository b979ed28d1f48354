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

    /// <summary>The group that receives all traffic on rollback.</summary>
    public required string Control { get; init; }

    /// <summary>Groups in configuration order; they own contiguous bucket ranges in this order.</summary>
    public required IReadOnlyList<ExperimentGroupConfig> Groups { get; init; }

    /// <summary>Outcome metrics callers may report for this experiment's answers; empty: none.</summary>
    public IReadOnlyList<OutcomeMetricConfig> Metrics { get; init; } = [];

    /// <summary>Structural equality, so a reloaded file can be compared with the running one.</summary>
    public bool Equals(ExperimentConfig? other) =>
        other is not null
        && Name == other.Name
        && StickyHeader == other.StickyHeader
        && AllowOverride == other.AllowOverride
        && Control == other.Control
        && Groups.SequenceEqual(other.Groups)
        && Metrics.SequenceEqual(other.Metrics);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, StickyHeader, AllowOverride, Control, Groups.Count);
}
