using Inference.Batch.Jobs;
using Inference.Batch.Models;
using Inference.Batch.Tensors;
using Inference.Contracts.Oip;

namespace Inference.Batch.Scoring;

/// <summary>OIP messages as the job sees them, the same for in-process and remote scoring.</summary>
internal static class OipResponses
{
    /// <summary>The model a ModelMetadata answer describes, labelled <paramref name="name"/>/<paramref name="version"/>.</summary>
    public static ModelDescription Describe(ModelMetadataResponse metadata, string name, string version, string sha256) => new(
        name,
        version,
        sha256,
        metadata.Inputs.Select(t => new TensorSpec(t.Name, t.Datatype, t.Shape.ToArray())).ToList(),
        metadata.Outputs.Select(t => new TensorSpec(t.Name, t.Datatype, t.Shape.ToArray())).ToList());

    /// <summary>A ModelInfer answer's outputs in the model's output order, split into <paramref name="rows"/> rows.</summary>
    public static ScoredTensors Outputs(ModelDescription model, ModelInferResponse response, int rows, string version)
    {
        if (response.RawOutputContents.Count != response.Outputs.Count)
        {
            throw new JobException($"the answer has no raw output contents ({response.Outputs.Count} outputs, {response.RawOutputContents.Count} raw)");
        }

        var outputs = new OutputTensor[model.Outputs.Count];
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var index = IndexOf(model, output.Name);
            outputs[index] = new OutputTensor(output.Name, ElementTypes.Parse(output.Datatype), output.Shape.ToArray(), response.RawOutputContents[i], rows);
        }

        if (Array.IndexOf(outputs, null) is var missing and >= 0)
        {
            throw new JobException($"the answer lacks output '{model.Outputs[missing].Name}'");
        }

        return new ScoredTensors(outputs, version);
    }

    private static int IndexOf(ModelDescription model, string output)
    {
        for (var i = 0; i < model.Outputs.Count; i++)
        {
            if (model.Outputs[i].Name == output)
            {
                return i;
            }
        }

        throw new JobException($"the answer has output '{output}', which the model's metadata does not list");
    }
}
