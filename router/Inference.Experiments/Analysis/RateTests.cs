namespace Inference.Experiments.Analysis;

/// <summary>Rates of boolean outcomes: Wilson score interval per group, two-proportion z-test between groups.</summary>
internal static class RateTests
{
    public const string TestName = "two-proportion-z";

    /// <summary>The rate with its Wilson score interval (sound near 0 and 1, unlike p ± z·se).</summary>
    public static Estimate Rate(long count, long successes)
    {
        if (count == 0)
        {
            return new Estimate(double.NaN, double.NaN, double.NaN);
        }

        const double z = Distributions.Z975;
        var n = (double)count;
        var p = successes / n;
        var denominator = 1 + z * z / n;
        var center = (p + z * z / (2 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z * z / (4 * n * n));
        return new Estimate(p, center - half, center + half);
    }

    /// <summary>
    /// The pooled two-proportion z-test of <paramref name="group"/>'s rate against control's; the difference's interval
    /// uses the unpooled standard error, the lift's the delta method.
    /// </summary>
    public static Comparison Compare(long controlCount, long controlSuccesses, long groupCount, long groupSuccesses)
    {
        var pc = (double)controlSuccesses / controlCount;
        var pg = (double)groupSuccesses / groupCount;
        var pooled = (double)(controlSuccesses + groupSuccesses) / (controlCount + groupCount);
        var pooledSe = Math.Sqrt(pooled * (1 - pooled) * (1.0 / controlCount + 1.0 / groupCount));
        var p = pooledSe > 0 ? Distributions.NormalTwoSided((pg - pc) / pooledSe) : double.NaN;
        var vc = pc * (1 - pc) / controlCount;
        var vg = pg * (1 - pg) / groupCount;
        var half = Distributions.Z975 * Math.Sqrt(vc + vg);
        var difference = pg - pc;
        return new Comparison(
            new Estimate(difference, difference - half, difference + half),
            Lift.Of(pc, vc, pg, vg),
            p,
            null,
            TestName);
    }
}
