namespace Inference.Experiments.Reports;

/// <summary>The result of a set or rollback across every instance.</summary>
internal sealed record ChangeReport
{
    /// <summary><c>set</c> or <c>rollback</c>.</summary>
    public required string Command { get; init; }

    public required string Model { get; init; }

    public bool DryRun { get; init; }

    public bool Force { get; init; }

    /// <summary>The weights asked for (set only).</summary>
    public IReadOnlyDictionary<string, decimal>? Requested { get; init; }

    public required IReadOnlyList<InstanceChange> Instances { get; init; }

    /// <summary>Instances not changed: failed or in conflict.</summary>
    public required int Failed { get; init; }

    /// <summary>The instances that succeeded do not end with the same weights; null when they agree.</summary>
    public DivergedModel? Diverged { get; init; }

    public required int ExitCode { get; init; }
}
