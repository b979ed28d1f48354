using Inference.Experiments.Output;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Commands;

/// <summary>Whether instances agree on a model: same experiment, same groups, numerically equal weights.</summary>
internal static class Divergence
{
    /// <summary>Null when every observation agrees (or there are fewer than two).</summary>
    public static DivergedModel? Check(string model, IReadOnlyList<ModelObservation> observations) =>
        observations.Select(Key).Distinct(StringComparer.Ordinal).Skip(1).Any()
            ? new DivergedModel(model, observations)
            : null;

    /// <summary>A canonical text of what an instance holds; group order does not matter, 50 equals 50.0.</summary>
    private static string Key(ModelObservation observation) =>
        observation.Experiment is null
            ? "\0absent"
            : observation.Experiment + "\0" + string.Join('\0', (observation.Weights ?? new Dictionary<string, decimal>())
                .OrderBy(w => w.Key, StringComparer.Ordinal)
                .Select(w => w.Key + "=" + WeightsText.Format(w.Value)));
}
