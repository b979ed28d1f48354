namespace Inference.Experiments.Tests.Statistics;

/// <summary>Samples drawn from a seeded generator, so every run tests the same data.</summary>
internal static class SyntheticSamples
{
    /// <summary>Normally distributed values (Box–Muller).</summary>
    public static double[] Normal(Random random, int count, double mean, double deviation)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = mean + deviation * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        return values;
    }

    /// <summary>0/1 values with success probability <paramref name="rate"/>.</summary>
    public static int[] Bernoulli(Random random, int count, double rate)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = random.NextDouble() < rate ? 1 : 0;
        }

        return values;
    }

    public static Inference.Experiments.Analysis.Moments Moments(double[] values) =>
        new(values.Length, values.Sum(), values.Sum(v => v * v));
}
