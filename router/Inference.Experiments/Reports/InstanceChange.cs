namespace Inference.Experiments.Reports;

/// <summary>One instance's line of a set or rollback.</summary>
internal sealed record InstanceChange
{
    public required string Instance { get; init; }

    public required ChangeOutcome Outcome { get; init; }

    public string? Experiment { get; init; }

    /// <summary>The weights before the change (for a conflict: the ones read before the concurrent change).</summary>
    public IReadOnlyDictionary<string, decimal>? Before { get; init; }

    /// <summary>The weights in force afterwards (dry run: that would be; conflict: what the instance holds now).</summary>
    public IReadOnlyDictionary<string, decimal>? After { get; init; }

    /// <summary>The revision read before changing (set only).</summary>
    public long? RevisionBefore { get; init; }

    /// <summary>The instance's revision afterwards (conflict: its current one).</summary>
    public long? Revision { get; init; }

    /// <summary>Whether the instance wrote its state file; null when it keeps none or nothing was written.</summary>
    public bool? Persisted { get; init; }

    /// <summary>The HTTP status of the failing call; null when no answer came.</summary>
    public int? StatusCode { get; init; }

    public string? Error { get; init; }

    /// <summary>Calls made to the instance for the change (rollback retries transport failures).</summary>
    public int Attempts { get; init; } = 1;

    public static InstanceChange Failed(string instance, string error, int? statusCode = null, int attempts = 1) =>
        new() { Instance = instance, Outcome = ChangeOutcome.Failed, Error = error, StatusCode = statusCode, Attempts = attempts };
}
