using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx;

/// <summary>
/// Default run options for cancelable runs, kept for reuse: creating and releasing an OrtRunOptions (and its
/// handle) for every run costs more than the run of a small model's bookkeeping. Only options whose terminate
/// flag was never set come back.
/// </summary>
internal static class RunOptionsPool
{
    private static readonly RunOptionsHandle?[] s_slots = new RunOptionsHandle?[Math.Max(4, Environment.ProcessorCount * 2)];

    public static RunOptionsHandle Rent()
    {
        var slots = s_slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } pooled)
            {
                return pooled;
            }
        }

        return OnnxRunOptions.Create();
    }

    /// <summary>Keeps <paramref name="options"/> for a later run, or releases it when the pool is full.</summary>
    public static void Return(RunOptionsHandle options)
    {
        var slots = s_slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], options, null) is null)
            {
                return;
            }
        }

        options.Dispose();
    }
}
