namespace Inference.Experiments.Analysis;

/// <summary>
/// The special functions the tests' distributions need: log-gamma, the regularized incomplete beta function (Student's
/// t) and the regularized incomplete gamma functions (chi-square, normal). Double precision, about 1e-13 relative.
/// </summary>
internal static class SpecialFunctions
{
    private const int MaxIterations = 10_000;
    private const double Epsilon = 1e-15;
    private const double Tiny = 1e-300;

    // Lanczos approximation, g = 7, nine coefficients.
    private static readonly double[] s_lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    public static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = s_lanczos[0];
        for (var i = 1; i < s_lanczos.Length; i++)
        {
            sum += s_lanczos[i] / (x + i);
        }

        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function, for a, b &gt; 0 and 0 ≤ x ≤ 1.</summary>
    public static double IncompleteBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        // The continued fraction converges fast for x below the mean a/(a+b); above it, use I_x(a,b) = 1 − I_{1−x}(b,a).
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logFront) * BetaFraction(a, b, x) / a
            : 1 - Math.Exp(logFront) * BetaFraction(b, a, 1 - x) / b;
    }

    /// <summary>The continued fraction of the incomplete beta function, evaluated by the modified Lentz method.</summary>
    private static double BetaFraction(double a, double b, double x)
    {
        var c = 1.0;
        var d = 1 - (a + b) * x / (a + 1);
        d = 1 / NonZero(d);
        var result = d;
        for (var m = 1; m <= MaxIterations; m++)
        {
            var twoM = 2 * m;
            // Even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
            var even = m * (b - m) * x / ((a + twoM - 1) * (a + twoM));
            d = 1 / NonZero(1 + even * d);
            c = NonZero(1 + even / c);
            result *= d * c;
            // Odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
            var odd = -(a + m) * (a + b + m) * x / ((a + twoM) * (a + twoM + 1));
            d = 1 / NonZero(1 + odd * d);
            c = NonZero(1 + odd / c);
            var step = d * c;
            result *= step;
            if (Math.Abs(step - 1) < Epsilon)
            {
                return result;
            }
        }

        return result;
    }

    /// <summary>Q(a, x) = Γ(a, x)/Γ(a), the upper regularized incomplete gamma function, for a &gt; 0, x ≥ 0.</summary>
    public static double UpperIncompleteGamma(double a, double x)
    {
        if (x <= 0)
        {
            return 1;
        }

        return x < a + 1 ? 1 - GammaSeries(a, x) : GammaFraction(a, x);
    }

    /// <summary>P(a, x) by its power series (converges fast for x &lt; a + 1).</summary>
    private static double GammaSeries(double a, double x)
    {
        var term = 1 / a;
        var sum = term;
        for (var n = 1; n <= MaxIterations; n++)
        {
            term *= x / (a + n);
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * Epsilon)
            {
                break;
            }
        }

        return sum * Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
    }

    /// <summary>Q(a, x) by its continued fraction (Lentz; converges fast for x ≥ a + 1).</summary>
    private static double GammaFraction(double a, double x)
    {
        var b = x + 1 - a;
        var c = 1 / Tiny;
        var d = 1 / b;
        var result = d;
        for (var n = 1; n <= MaxIterations; n++)
        {
            var an = -n * (n - a);
            b += 2;
            d = 1 / NonZero(an * d + b);
            c = NonZero(b + an / c);
            var step = d * c;
            result *= step;
            if (Math.Abs(step - 1) < Epsilon)
            {
                break;
            }
        }

        return result * Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
    }

    private static double NonZero(double value) => Math.Abs(value) < Tiny ? Tiny : value;
}
