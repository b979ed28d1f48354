namespace Inference.Experiments.Analysis;

/// <summary>
/// A group against control: the difference (group − control) and the relative lift (difference / control) with their
/// 95% intervals, and the two-sided p-value of "no difference".
/// </summary>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite degrees of freedom (t-test); null for the z-test.</param>
internal readonly record struct Comparison(
    Estimate Difference,
    Estimate Lift,
    double PValue,
    double? DegreesOfFreedom,
    string Test);
