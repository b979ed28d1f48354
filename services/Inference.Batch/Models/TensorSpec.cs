using Inference.Contracts.Oip;

namespace Inference.Batch.Models;

/// <summary>A model input or output as OIP describes it: name, datatype name, shape (-1 for a dynamic dimension).</summary>
internal sealed record TensorSpec(string Name, string Datatype, IReadOnlyList<long> Shape)
{
    /// <summary>Whether dimension 0 is dynamic, so rows can be stacked along it.</summary>
    public bool IsBatched => Shape.Count > 0 && Shape[0] < 0;

    /// <summary>
    /// Elements one row holds: the product of the dimensions after the batch dimension (of every dimension when
    /// the tensor is not batched); null when one of them is dynamic.
    /// </summary>
    public long? ElementsPerRow
    {
        get
        {
            long count = 1;
            foreach (var dimension in IsBatched ? Shape.Skip(1) : Shape)
            {
                if (dimension < 0)
                {
                    return null;
                }

                count *= dimension;
            }

            return count;
        }
    }

    public bool IsBytes => Datatype == Datatypes.Bytes;

    public override string ToString() => $"{Name} ({Datatype} [{string.Join(',', Shape)}])";
}
