namespace Inference.Router.Statistics;

/// <summary>One experiment group's counts: requests assigned to it by weight, and its outcome metrics.</summary>
internal sealed class GroupTally(string name, StripedCounter assigned, IReadOnlyDictionary<string, MetricTally> metrics)
{
    public string Name { get; } = name;

    public StripedCounter Assigned { get; } = assigned;

    /// <summary>By metric name, in declaration order.</summary>
    public IReadOnlyDictionary<string, MetricTally> Metrics { get; } = metrics;
}
