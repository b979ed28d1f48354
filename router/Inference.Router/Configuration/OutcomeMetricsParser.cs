using System.Text.Json;

namespace Inference.Router.Configuration;

/// <summary>Parses an experiment's <c>"metrics": [{"name": "clicked", "kind": "boolean"}, …]</c>.</summary>
internal static class OutcomeMetricsParser
{
    /// <summary>At most this many metrics per experiment: each one is kept per group in memory and in every results answer.</summary>
    public const int MaxMetrics = 32;

    public static List<OutcomeMetricConfig> Parse(string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new RouterConfigException($"{where}: 'metrics' must be an array of {{\"name\", \"kind\"}} objects");
        }

        var metrics = new List<OutcomeMetricConfig>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new RouterConfigException($"{where}: every metric must be a JSON object with 'name' and 'kind'");
            }

            string? name = null;
            OutcomeMetricKind? kind = null;
            foreach (var property in item.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "name" when property.Value.ValueKind == JsonValueKind.String:
                        name = property.Value.GetString();
                        break;
                    case "kind" when property.Value.ValueKind == JsonValueKind.String:
                        kind = property.Value.GetString() switch
                        {
                            "boolean" => OutcomeMetricKind.Boolean,
                            "number" => OutcomeMetricKind.Number,
                            var other => throw new RouterConfigException($"{where}: metric '{name ?? "?"}' has kind '{other}'; kinds are 'boolean' and 'number'"),
                        };
                        break;
                    case "name" or "kind":
                        throw new RouterConfigException($"{where}: a metric's '{property.Name}' must be a string");
                    default:
                        throw new RouterConfigException($"{where} metric: unknown field '{property.Name}'");
                }
            }

            if (name is null || !WeightRules.IsValidName(name))
            {
                throw new RouterConfigException($"{where}: every metric needs a 'name' of 1 to {WeightRules.MaxNameBytes} visible ASCII characters");
            }

            if (kind is null)
            {
                throw new RouterConfigException($"{where}: metric '{name}' has no 'kind' ('boolean' or 'number')");
            }

            if (metrics.Exists(m => m.Name == name))
            {
                throw new RouterConfigException($"{where}: metric '{name}' is declared twice");
            }

            metrics.Add(new OutcomeMetricConfig(name, kind.Value));
        }

        if (metrics.Count > MaxMetrics)
        {
            throw new RouterConfigException($"{where}: {metrics.Count} metrics declared; at most {MaxMetrics}");
        }

        return metrics;
    }
}
