namespace Inference.Experiments.Admin;

/// <summary>A model's experiment: its name, control group and the weights in force, in group order.</summary>
internal sealed record ExperimentView
{
    public required string Name { get; init; }

    public string Control { get; init; } = "";

    /// <summary><c>admin</c> when set through the admin API, <c>config</c> when the file's weights apply.</summary>
    public string WeightsSource { get; init; } = "";

    public required Dictionary<string, decimal> Weights { get; init; }

    /// <summary>The rollback in force (until weights are set again); null when none, or from a router that does not report it.</summary>
    public RollbackView? Rollback { get; init; }
}
