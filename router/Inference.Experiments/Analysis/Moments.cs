namespace Inference.Experiments.Analysis;

/// <summary>A sample summarised by its sufficient statistics: count, sum and sum of squares.</summary>
internal readonly record struct Moments(long Count, double Sum, double SumSquares)
{
    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>The sample variance (n − 1 in the denominator); NaN below two values.</summary>
    public double Variance => Count < 2 ? double.NaN : Math.Max(0, (SumSquares - Sum * Sum / Count) / (Count - 1));

    /// <summary>The variance of the mean, s²/n.</summary>
    public double VarianceOfMean => Variance / Count;
}
