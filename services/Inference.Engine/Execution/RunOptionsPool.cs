using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Execution;

/// <summary>
/// Run options kept for reuse by cancelable Runs: creating and releasing one per Run costs more than the bookkeeping
/// of a small model's Run. Only options whose terminate flag was never set come back.
/// </summary>
internal static class RunOptionsPool
{
    private static readonly RunOptions?[] Slots = new RunOptions?[Math.Max(4, Environment.ProcessorCount * 2)];

    public static RunOptions Rent()
    {
        var slots = Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } pooled)
            {
                return pooled;
            }
        }

        return new RunOptions();
    }

    /// <summary>Keeps <paramref name="options"/> for a later Run, or releases it when it was terminated or the pool is full.</summary>
    public static void Return(RunOptions options)
    {
        if (!options.Terminate)
        {
            var slots = Slots;
            for (var i = 0; i < slots.Length; i++)
            {
                if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], options, null) is null)
                {
                    return;
                }
            }
        }

        options.Dispose();
    }
}
