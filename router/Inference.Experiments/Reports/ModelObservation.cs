namespace Inference.Experiments.Reports;

/// <summary>What one instance holds for one model; <see cref="Experiment"/> null: the model is not configured there.</summary>
internal sealed record ModelObservation(string Instance, string? Experiment, IReadOnlyDictionary<string, decimal>? Weights);
