using Microsoft.ML.OnnxRuntime;
using Inference.Engine.Tensors;

namespace Inference.Engine.Batching;

/// <summary>
/// Requests of one shape (sizes past dimension 0) waiting to run as one, plus the scratch arrays of their merged
/// Run. Pooled by the batcher, and queued to the thread pool as itself, so a batch costs no allocation beyond
/// the merged tensors.
/// </summary>
internal sealed class PendingBatch(DynamicBatcher owner, int maxItems, int inputCount, int outputCount) : IThreadPoolWorkItem
{
    public List<BatchItem> Items { get; } = new(maxItems);

    /// <summary>Rows along dimension 0 over all items.</summary>
    public long Rows { get; set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when its first request joined.</summary>
    public long StartedAt { get; set; }

    /// <summary>No further request fits: it may start even while other batches run.</summary>
    public bool Full { get; set; }

    /// <summary>Merged inputs, one per model input.</summary>
    public OrtValue[] Inputs { get; } = new OrtValue[inputCount];

    /// <summary>Outputs of the merged Run; the first <c>n</c> slots are used, in model order.</summary>
    public RunOutput[] Outputs { get; } = new RunOutput[outputCount];

    /// <summary>For each model output, its slot in <see cref="Outputs"/>, or -1 when no request asked for it.</summary>
    public int[] OutputSlots { get; } = new int[outputCount];

    public void Start(BatchItem first, long startedAt)
    {
        Items.Add(first);
        Rows = first.Request.Rows;
        StartedAt = startedAt;
        Full = false;
    }

    public void Clear()
    {
        Items.Clear();
        Rows = 0;
        Full = false;
    }

    void IThreadPoolWorkItem.Execute() => owner.Run(this);
}
