using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>Kubernetes quantities in bytes, computed here independently of the chart's own arithmetic.</summary>
internal static class Quantity
{
    private static readonly (string Suffix, decimal Scale)[] Suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("Pi", 1L << 50),
        ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m),
    ];

    public static long Bytes(JsonNode quantity) =>
        quantity.GetValueKind() == JsonValueKind.Number ? (long)quantity.GetValue<double>() : Bytes(quantity.GetValue<string>());

    public static long Bytes(string quantity)
    {
        foreach (var (suffix, scale) in Suffixes)
        {
            if (quantity.EndsWith(suffix, StringComparison.Ordinal))
            {
                return (long)(decimal.Parse(quantity[..^suffix.Length], CultureInfo.InvariantCulture) * scale);
            }
        }

        return long.Parse(quantity, CultureInfo.InvariantCulture);
    }
}
