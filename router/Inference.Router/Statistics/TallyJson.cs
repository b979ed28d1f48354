using System.Text.Json;
using Inference.Router.Configuration;

namespace Inference.Router.Statistics;

/// <summary>
/// One experiment's statistics as JSON: the admin API's results answer and an entry of the results file have this
/// shape, so what a router saves is what it reports.
/// </summary>
internal static class TallyJson
{
    public static void Write(Utf8JsonWriter writer, ExperimentTally tally)
    {
        writer.WriteStartObject();
        writer.WriteString("model", tally.Model);
        writer.WriteString("experiment", tally.Experiment);
        writer.WriteString("control", tally.Control);
        writer.WriteString("startedAt", tally.StartedAt);
        writer.WriteStartObject("weights");
        foreach (var (group, weight) in tally.Weights)
        {
            writer.WriteNumber(group, weight);
        }

        writer.WriteEndObject();
        if (tally.WeightsChangedAt is { } changed)
        {
            writer.WriteString("weightsChangedAt", changed);
        }
        else
        {
            writer.WriteNull("weightsChangedAt");
        }

        writer.WriteStartObject("groups");
        foreach (var group in tally.Groups.Values)
        {
            writer.WriteStartObject(group.Name);
            writer.WriteNumber("assigned", group.Assigned.Value);
            writer.WriteStartObject("metrics");
            foreach (var (name, metric) in group.Metrics)
            {
                writer.WriteStartObject(name);
                writer.WriteString("kind", metric.Kind == OutcomeMetricKind.Boolean ? "boolean" : "number");
                writer.WriteNumber("count", metric.Count);
                if (metric.Kind == OutcomeMetricKind.Boolean)
                {
                    writer.WriteNumber("successes", metric.Successes);
                }
                else
                {
                    writer.WriteNumber("sum", metric.Sum);
                    writer.WriteNumber("sumSquares", metric.SumSquares);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Reads what <see cref="Write"/> wrote (the results file).</summary>
    public static ExperimentTally Read(JsonElement element)
    {
        var groups = new Dictionary<string, GroupTally>(StringComparer.Ordinal);
        foreach (var group in element.GetProperty("groups").EnumerateObject())
        {
            var metrics = new Dictionary<string, MetricTally>(StringComparer.Ordinal);
            foreach (var metric in group.Value.GetProperty("metrics").EnumerateObject())
            {
                var kind = metric.Value.GetProperty("kind").GetString() == "boolean" ? OutcomeMetricKind.Boolean : OutcomeMetricKind.Number;
                var tally = new MetricTally(kind);
                tally.Restore(
                    metric.Value.GetProperty("count").GetInt64(),
                    metric.Value.TryGetProperty("successes", out var successes) ? successes.GetInt64() : 0,
                    metric.Value.TryGetProperty("sum", out var sum) ? sum.GetDouble() : 0,
                    metric.Value.TryGetProperty("sumSquares", out var squares) ? squares.GetDouble() : 0);
                metrics.Add(metric.Name, tally);
            }

            groups.Add(group.Name, new GroupTally(group.Name, new StripedCounter(group.Value.GetProperty("assigned").GetInt64()), metrics));
        }

        var weights = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var weight in element.GetProperty("weights").EnumerateObject())
        {
            weights.Add(weight.Name, weight.Value.GetDecimal());
        }

        var changed = element.GetProperty("weightsChangedAt");
        return new ExperimentTally(
            element.GetProperty("model").GetString()!,
            element.GetProperty("experiment").GetString()!,
            element.GetProperty("control").GetString()!,
            element.GetProperty("startedAt").GetDateTimeOffset(),
            groups)
        {
            Weights = weights,
            WeightsChangedAt = changed.ValueKind == JsonValueKind.Null ? null : changed.GetDateTimeOffset(),
        };
    }
}
