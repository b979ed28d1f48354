namespace Inference.Batch.Models;

/// <summary>The model version a job scores with: what the output rows are tagged with, and its tensors.</summary>
internal sealed record ModelDescription(
    string Name,
    string Version,
    string Sha256,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs)
{
    /// <summary>Whether rows can be stacked into one Run: every input and output has a dynamic dimension 0.</summary>
    public bool IsBatchable => Inputs.All(i => i.IsBatched) && Outputs.All(o => o.IsBatched);
}
