namespace Inference.Router.Statistics;

/// <summary>
/// The statistics of one model's running experiment since it started under its current name. Group and metric tallies
/// carry over when the experiment section changes without a rename; a rename starts a new tally from zero.
/// </summary>
internal sealed class ExperimentTally(string model, string experiment, string control, DateTimeOffset startedAt, IReadOnlyDictionary<string, GroupTally> groups)
{
    public string Model { get; } = model;

    public string Experiment { get; } = experiment;

    public string Control { get; } = control;

    /// <summary>When these statistics started (the first time this router saw the experiment under this name).</summary>
    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>By group name, in configuration order.</summary>
    public IReadOnlyDictionary<string, GroupTally> Groups { get; } = groups;

    /// <summary>The weights assignment follows now.</summary>
    public required IReadOnlyDictionary<string, decimal> Weights { get; init; }

    /// <summary>
    /// The last time the weights changed while these statistics were collected; null if they never did. Assigned counts
    /// gathered under several splits cannot be checked against one ratio.
    /// </summary>
    public DateTimeOffset? WeightsChangedAt { get; init; }
}
