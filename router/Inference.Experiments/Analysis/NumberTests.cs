namespace Inference.Experiments.Analysis;

/// <summary>Means of number outcomes: Student's t interval per group, Welch's t-test between groups.</summary>
internal static class NumberTests
{
    public const string TestName = "welch-t";

    /// <summary>The mean with mean ± t(0.975, n−1)·s/√n.</summary>
    public static Estimate Mean(Moments sample)
    {
        var mean = sample.Mean;
        if (sample.Count < 2)
        {
            return new Estimate(mean, double.NaN, double.NaN);
        }

        var half = Distributions.StudentCritical(0.05, sample.Count - 1) * Math.Sqrt(sample.VarianceOfMean);
        return new Estimate(mean, mean - half, mean + half);
    }

    /// <summary>
    /// Welch's unequal-variances t-test of <paramref name="group"/> against <paramref name="control"/>, with
    /// Welch–Satterthwaite degrees of freedom; the lift's interval by the delta method (normal).
    /// </summary>
    public static Comparison Welch(Moments control, Moments group)
    {
        var difference = group.Mean - control.Mean;
        var vc = control.VarianceOfMean;
        var vg = group.VarianceOfMean;
        var se = Math.Sqrt(vc + vg);
        var df = (vc + vg) * (vc + vg) / (vc * vc / (control.Count - 1) + vg * vg / (group.Count - 1));
        double p, half;
        if (se > 0 && double.IsFinite(df))
        {
            p = Distributions.StudentTwoSided(difference / se, df);
            half = Distributions.StudentCritical(0.05, df) * se;
        }
        else
        {
            // Both groups constant (or too small): no spread to test against.
            p = double.NaN;
            half = double.NaN;
        }

        return new Comparison(
            new Estimate(difference, difference - half, difference + half),
            Lift.Of(control.Mean, vc, group.Mean, vg),
            p,
            double.IsFinite(df) ? df : null,
            TestName);
    }
}
