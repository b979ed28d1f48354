namespace Inference.Experiments.Reports;

/// <summary>A model on which the instances disagree (experiment, weights, or whether it is configured), with what each holds.</summary>
internal sealed record DivergedModel(string Model, IReadOnlyList<ModelObservation> Instances);
