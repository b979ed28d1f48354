namespace Inference.Experiments.Analysis;

/// <summary>The distributions the tests use, built on <see cref="SpecialFunctions"/>.</summary>
internal static class Distributions
{
    /// <summary>The 97.5th percentile of the standard normal distribution: a two-sided 95% interval is ±this.</summary>
    public const double Z975 = 1.959963984540054;

    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="degreesOfFreedom"/> (need not be whole).</summary>
    public static double StudentTwoSided(double t, double degreesOfFreedom)
    {
        if (double.IsNaN(t))
        {
            return double.NaN;
        }

        if (double.IsInfinity(t))
        {
            return 0;
        }

        return SpecialFunctions.IncompleteBeta(degreesOfFreedom / 2, 0.5, degreesOfFreedom / (degreesOfFreedom + t * t));
    }

    /// <summary>The t with P(|T| ≥ t) = <paramref name="twoSided"/>: the half-width factor of a two-sided interval.</summary>
    public static double StudentCritical(double twoSided, double degreesOfFreedom)
    {
        // The two-sided tail falls monotonically in t: bracket, then bisect to the last bit.
        double low = 0, high = 2;
        while (StudentTwoSided(high, degreesOfFreedom) > twoSided)
        {
            low = high;
            high *= 2;
            if (high > 1e12)
            {
                return double.PositiveInfinity;
            }
        }

        for (var i = 0; i < 200 && high - low > 1e-15 * high; i++)
        {
            var middle = 0.5 * (low + high);
            if (StudentTwoSided(middle, degreesOfFreedom) > twoSided)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return 0.5 * (low + high);
    }

    /// <summary>P(|Z| ≥ |z|) for the standard normal: erfc(|z|/√2) = Q(1/2, z²/2).</summary>
    public static double NormalTwoSided(double z) =>
        double.IsNaN(z) ? double.NaN : SpecialFunctions.UpperIncompleteGamma(0.5, z * z / 2);

    /// <summary>P(X ≥ x) for chi-square with <paramref name="degreesOfFreedom"/>.</summary>
    public static double ChiSquareSurvival(double x, int degreesOfFreedom) =>
        SpecialFunctions.UpperIncompleteGamma(degreesOfFreedom / 2.0, x / 2);
}
