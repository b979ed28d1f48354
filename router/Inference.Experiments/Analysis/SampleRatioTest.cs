namespace Inference.Experiments.Analysis;

/// <summary>
/// The sample-ratio-mismatch check: Pearson's chi-square goodness of fit of the requests assigned per group against
/// the shares the weights give them. A split that is off (a bug in assignment, a caller that drops one group's
/// answers) makes every comparison suspect.
/// </summary>
internal static class SampleRatioTest
{
    /// <summary>Below this p-value the split is called a mismatch (the usual SRM threshold: few false alarms).</summary>
    public const double Threshold = 0.001;

    /// <summary>Pearson's test is trusted when every expected count is at least this.</summary>
    public const double MinExpected = 5;

    /// <returns>Chi-square, degrees of freedom, p-value and the expected counts; groups of weight 0 expect 0 and are left out of the sum.</returns>
    public static (double ChiSquare, int DegreesOfFreedom, double PValue, double[] Expected) Check(IReadOnlyList<long> assigned, IReadOnlyList<decimal> weights)
    {
        var total = assigned.Sum();
        var weightSum = (double)weights.Sum();
        var expected = new double[assigned.Count];
        double chi = 0;
        var tested = 0;
        for (var i = 0; i < assigned.Count; i++)
        {
            expected[i] = weightSum > 0 ? total * (double)weights[i] / weightSum : 0;
            if (expected[i] > 0)
            {
                var d = assigned[i] - expected[i];
                chi += d * d / expected[i];
                tested++;
            }
        }

        var df = tested - 1;
        return (chi, df, df > 0 ? Distributions.ChiSquareSurvival(chi, df) : double.NaN, expected);
    }
}
