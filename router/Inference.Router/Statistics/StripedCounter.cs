namespace Inference.Router.Statistics;

/// <summary>
/// A counter incremented on the proxy's hot path: one padded slot per stripe, chosen by thread, so concurrent calls on
/// different cores do not fight over one cache line. Reads add the stripes up.
/// </summary>
internal sealed class StripedCounter
{
    // 16 longs = 128 bytes between used slots: no two stripes share a cache line (or an adjacent-line prefetch pair).
    private const int Spacing = 16;
    private static readonly int s_stripes = (int)Math.Min(64u, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount)));
    private readonly long[] _slots = new long[(s_stripes + 1) * Spacing];

    public StripedCounter(long initial = 0) => _slots[Spacing] = initial;

    public void Increment() =>
        Interlocked.Increment(ref _slots[((Environment.CurrentManagedThreadId & (s_stripes - 1)) + 1) * Spacing]);

    public long Value
    {
        get
        {
            long total = 0;
            for (var i = 1; i <= s_stripes; i++)
            {
                total += Volatile.Read(ref _slots[i * Spacing]);
            }

            return total;
        }
    }
}
