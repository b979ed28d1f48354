namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>What a router holds for one model, read by <see cref="AdminProbe"/>.</summary>
public sealed record RouterView(long Revision, IReadOnlyDictionary<string, decimal> Weights, string Source)
{
    public decimal Control => Weights["control"];

    public decimal Treatment => Weights["treatment"];
}
