namespace Inference.Experiments.Analysis;

/// <summary>A group's mean or rate with its two-sided 95% confidence interval.</summary>
internal readonly record struct Estimate(double Value, double Low, double High);
