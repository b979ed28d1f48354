namespace Inference.Router.Configuration;

/// <summary>Rules shared by the configuration file and the admin API for weights and names.</summary>
internal static class WeightRules
{
    /// <summary>Upper bound on one weight, so cumulative sums stay exact in decimal arithmetic.</summary>
    public const decimal MaxWeight = 1_000_000m;

    /// <summary>Longest model or version name the router peeks from a request, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 256;

    /// <summary>Null when the weight is acceptable, otherwise the reason.</summary>
    public static string? CheckWeight(string group, decimal weight) =>
        weight < 0 ? $"weight of group '{group}' is negative ({weight})"
        : weight > MaxWeight ? $"weight of group '{group}' exceeds {MaxWeight}"
        : null;

    /// <summary>Names travel in response headers and metric labels: visible ASCII only.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameBytes)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
