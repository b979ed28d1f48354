using System.Globalization;

namespace Inference.Experiments.Output;

/// <summary>Weights as people read them: <c>control=90 treatment=10</c>, in the instance's group order.</summary>
internal static class WeightsText
{
    public static string Format(IReadOnlyDictionary<string, decimal>? weights) =>
        weights is null ? "-" : string.Join(' ', weights.Select(w => $"{w.Key}={Format(w.Value)}"));

    /// <summary>Without trailing zeros, so 50 and 50.0 read (and compare) the same.</summary>
    public static string Format(decimal weight) => weight.ToString("0.############################", CultureInfo.InvariantCulture);
}
