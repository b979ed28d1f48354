using Grpc.Core;
using Inference.Contracts.Experiments;

namespace Inference.Client;

/// <summary>
/// Reporting what became of an answer to the router that routed it (<c>inference.experiments.v1.Outcomes</c>): the
/// outcome names the model, experiment and group exactly as the answer was tagged, so it counts for the group that
/// really served it, whatever the weights are by the time it is reported.
/// </summary>
public static class OutcomeExtensions
{
    /// <summary>An outcome of a boolean metric (a click, a conversion) for the answer tagged <paramref name="tags"/>.</summary>
    /// <exception cref="ArgumentException">The answer did not come through an experiment (no model, experiment or group tag).</exception>
    public static Outcome ToOutcome(this ResponseTags tags, string metric, bool success, string? requestId = null)
    {
        var outcome = Base(tags, metric, requestId);
        outcome.Success = success;
        return outcome;
    }

    /// <summary>An outcome of a number metric (revenue, a later label's error) for the answer tagged <paramref name="tags"/>.</summary>
    /// <exception cref="ArgumentException">No experiment tags, or <paramref name="value"/> is NaN or infinite.</exception>
    public static Outcome ToOutcome(this ResponseTags tags, string metric, double value, string? requestId = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"an outcome's value must be finite, not {value}", nameof(value));
        }

        var outcome = Base(tags, metric, requestId);
        outcome.Number = value;
        return outcome;
    }

    /// <summary>Reports <paramref name="outcomes"/> in one call; returns how many were accepted (all, or the call fails with INVALID_ARGUMENT and none were).</summary>
    public static async Task<int> RecordAsync(this Outcomes.OutcomesClient client, IEnumerable<Outcome> outcomes, CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new RecordOutcomesRequest();
        request.Outcomes.AddRange(outcomes);
        var response = await client.RecordAsync(request, options);
        return response.Accepted;
    }

    /// <summary>Reports one outcome.</summary>
    public static Task<int> RecordAsync(this Outcomes.OutcomesClient client, Outcome outcome, CallOptions options = default) =>
        client.RecordAsync([outcome], options);

    private static Outcome Base(ResponseTags tags, string metric, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentException.ThrowIfNullOrEmpty(metric);
        if (tags.ModelName is null || tags.Experiment is null || tags.ExperimentGroup is null)
        {
            throw new ArgumentException("the answer carries no experiment tags (x-model-name, x-experiment, x-experiment-group): was it routed by the router?", nameof(tags));
        }

        return new Outcome
        {
            Model = tags.ModelName,
            Experiment = tags.Experiment,
            Group = tags.ExperimentGroup,
            Metric = metric,
            RequestId = requestId ?? string.Empty,
        };
    }
}
