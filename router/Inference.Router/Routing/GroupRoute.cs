using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>An experiment group in a routing snapshot.</summary>
internal sealed class GroupRoute(string name, VersionPool pool, decimal weight, int lowerBucket, int upperBucket)
{
    public string Name { get; } = name;

    public VersionPool Pool { get; } = pool;

    public decimal Weight { get; } = weight;

    /// <summary>First bucket owned (inclusive).</summary>
    public int LowerBucket { get; } = lowerBucket;

    /// <summary>End of the owned buckets (exclusive); equal to <see cref="LowerBucket"/> at weight 0.</summary>
    public int UpperBucket { get; } = upperBucket;
}
