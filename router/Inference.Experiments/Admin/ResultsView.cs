namespace Inference.Experiments.Admin;

/// <summary><c>GET /admin/models/{model}/experiment/results</c>: one instance's statistics of a model's experiment.</summary>
internal sealed record ResultsView(
    string Experiment,
    Dictionary<string, GroupResultsView> Groups,
    string? Control = null,
    DateTimeOffset? StartedAt = null,
    Dictionary<string, decimal>? Weights = null,
    DateTimeOffset? WeightsChangedAt = null);

/// <summary>One group: requests assigned to it by weight and its outcome metrics.</summary>
internal sealed record GroupResultsView(long Assigned, Dictionary<string, MetricResultsView> Metrics);

/// <summary>A metric's sufficient statistics: count and successes (boolean) or count, sum and sum of squares (number).</summary>
internal sealed record MetricResultsView(long Count, string? Kind = null, long? Successes = null, double Sum = 0, double SumSquares = 0)
{
    public bool IsBoolean => Kind == "boolean" || (Kind is null && Successes is not null);
}
