using Inference.Batch.Jobs;
using Inference.Batch.Tensors;

namespace Inference.Batch.Tables;

/// <summary>
/// The rows of one Run: the input tensors built from the rows that mapped, those rows' numbers and pass-through
/// fields, and the rows that did not map with their reasons.
/// </summary>
internal sealed class RowBatch : IDisposable
{
    public RowBatch(RowMapper mapper, PassThroughRows passThrough, int capacity)
    {
        Inputs = mapper.Bindings.Select(b => new InputTensorBuffer(b.Input, capacity)).ToArray();
        PassThrough = passThrough;
    }

    public InputTensorBuffer[] Inputs { get; }

    public PassThroughRows PassThrough { get; }

    /// <summary>1-based numbers of the rows that mapped, in file order (index i is input row i of the Run).</summary>
    public List<long> RowNumbers { get; } = [];

    public List<RowError> Errors { get; } = [];

    public int Count => RowNumbers.Count;

    /// <summary>Empties the batch for the next Run (its buffers are kept).</summary>
    public void Reset()
    {
        foreach (var input in Inputs)
        {
            input.Clear();
        }

        PassThrough.Clear();
        RowNumbers.Clear();
        Errors.Clear();
    }

    public void Dispose()
    {
        foreach (var input in Inputs)
        {
            input.Dispose();
        }
    }
}
