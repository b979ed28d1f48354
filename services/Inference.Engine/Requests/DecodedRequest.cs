using Inference.Engine.Tensors;

namespace Inference.Engine.Requests;

/// <summary>A validated ModelInferRequest: inputs in the model's order and the outputs to return.</summary>
internal sealed class DecodedRequest(string id, InputTensor[] inputs, int[] outputIndices, bool typedOutputs)
{
    /// <summary>When the engine took the request (<see cref="TimeProvider.GetTimestamp"/>): its queue time runs from here.</summary>
    public long ArrivedAt { get; set; }

    /// <summary>The request's id, echoed in its response.</summary>
    public string Id { get; } = id;

    /// <summary>One per model input, indexed like the model's inputs.</summary>
    public InputTensor[] Inputs { get; } = inputs;

    /// <summary>Model output indices in the order the response lists them.</summary>
    public int[] OutputIndices { get; } = outputIndices;

    /// <summary>Return typed contents instead of raw_output_contents (where every output's datatype has a typed field).</summary>
    public bool TypedOutputs { get; } = typedOutputs;

    /// <summary>Rows along dimension 0 of the first input.</summary>
    public long Rows => Inputs[0].Rows;

    /// <summary>Whether <paramref name="other"/> can share a Run with this request: same sizes past dimension 0.</summary>
    public bool IsBatchCompatible(DecodedRequest other)
    {
        for (var i = 0; i < Inputs.Length; i++)
        {
            var a = Inputs[i].Shape.AsSpan(1);
            var b = other.Inputs[i].Shape.AsSpan(1);
            if (!a.SequenceEqual(b) || Inputs[i].Rows != Rows || other.Inputs[i].Rows != other.Rows)
            {
                return false;
            }
        }

        return true;
    }
}
