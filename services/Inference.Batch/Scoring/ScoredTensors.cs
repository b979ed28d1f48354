using Inference.Batch.Tensors;

namespace Inference.Batch.Scoring;

/// <summary>A Run's outputs in the model's output order, and the version that computed them.</summary>
internal sealed record ScoredTensors(IReadOnlyList<OutputTensor> Outputs, string ModelVersion);
