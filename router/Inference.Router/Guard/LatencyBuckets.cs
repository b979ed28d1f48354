namespace Inference.Router.Guard;

/// <summary>
/// Log-spaced latency buckets for the guard's p99: 100 µs, then ×1.25 per bucket up to about two minutes. A p99 is
/// read as the upper bound of its bucket, so two latencies within 25 % of each other may read the same.
/// </summary>
internal static class LatencyBuckets
{
    public const int Count = 64;

    private const double First = 1e-4;
    private const double Growth = 1.25;
    private static readonly double LogGrowth = Math.Log(Growth);

    public static int Of(double seconds)
    {
        if (!(seconds > First))
        {
            return 0;
        }

        var index = (int)Math.Ceiling(Math.Log(seconds / First) / LogGrowth);
        return Math.Min(index, Count - 1);
    }

    public static double UpperBound(int index) => First * Math.Pow(Growth, index);
}
