using Inference.Contracts.Experiments;
using Inference.Router.Configuration;

namespace Inference.Router.Statistics;

/// <summary>Finds the tally one reported outcome belongs to, or says exactly what is wrong with it.</summary>
internal static class OutcomeCheck
{
    public static MetricTally? Resolve(IReadOnlyDictionary<string, ExperimentTally> tallies, Outcome outcome, out string? error)
    {
        error = null;
        if (!tallies.TryGetValue(outcome.Model, out var tally))
        {
            error = outcome.Model.Length == 0 ? "no model given" : $"model '{outcome.Model}' is not configured on this router";
            return null;
        }

        if (outcome.Experiment != tally.Experiment)
        {
            error = $"model '{outcome.Model}' runs experiment '{tally.Experiment}', not '{outcome.Experiment}' (report the x-experiment tag of the answer)";
            return null;
        }

        if (!tally.Groups.TryGetValue(outcome.Group, out var group))
        {
            error = $"experiment '{tally.Experiment}' has no group '{outcome.Group}' (groups: {string.Join(", ", tally.Groups.Keys)}); answers of a pinned version are outside the experiment";
            return null;
        }

        if (!group.Metrics.TryGetValue(outcome.Metric, out var metric))
        {
            error = group.Metrics.Count == 0
                ? $"experiment '{tally.Experiment}' declares no outcome metrics ('metrics' in its configuration)"
                : $"experiment '{tally.Experiment}' has no metric '{outcome.Metric}' (metrics: {string.Join(", ", group.Metrics.Keys)})";
            return null;
        }

        switch (outcome.ValueCase)
        {
            case Outcome.ValueOneofCase.None:
                error = $"metric '{outcome.Metric}' has no value (set {(metric.Kind == OutcomeMetricKind.Boolean ? "success" : "number")})";
                return null;
            case Outcome.ValueOneofCase.Number when metric.Kind == OutcomeMetricKind.Boolean:
                error = $"metric '{outcome.Metric}' is a boolean: set success, not number";
                return null;
            case Outcome.ValueOneofCase.Success when metric.Kind == OutcomeMetricKind.Number:
                error = $"metric '{outcome.Metric}' is a number: set number, not success";
                return null;
            case Outcome.ValueOneofCase.Number when !double.IsFinite(outcome.Number):
                error = $"metric '{outcome.Metric}' has the non-finite value {outcome.Number}";
                return null;
            default:
                return metric;
        }
    }
}
