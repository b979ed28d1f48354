namespace Inference.Experiments.Analysis;

/// <summary>The relative lift g/c − 1 of a group's mean over control's, with a delta-method 95% interval.</summary>
internal static class Lift
{
    /// <param name="varianceControl">Variance of control's mean (s²/n, or p(1−p)/n).</param>
    /// <param name="varianceGroup">Variance of the group's mean.</param>
    public static Estimate Of(double control, double varianceControl, double group, double varianceGroup)
    {
        if (control == 0 || double.IsNaN(control))
        {
            return new Estimate(double.NaN, double.NaN, double.NaN);
        }

        var lift = (group - control) / control;
        // Var(g/c) ≈ Var(g)/c² + g²·Var(c)/c⁴ (first-order Taylor expansion, independent groups).
        var variance = varianceGroup / (control * control) + group * group * varianceControl / Math.Pow(control, 4);
        var half = Distributions.Z975 * Math.Sqrt(variance);
        return new Estimate(lift, lift - half, lift + half);
    }
}
