using Inference.Router.Configuration;

namespace Inference.Router.Statistics;

/// <summary>
/// The sufficient statistics of one outcome metric in one group: count, sum and sum of squares (numbers) or count and
/// successes (booleans). Updated without locks; after concurrent reports have returned, the totals are exact (counts)
/// or the plain sum of the values (numbers).
/// </summary>
internal sealed class MetricTally(OutcomeMetricKind kind)
{
    private long _count;
    private long _successes;
    private double _sum;
    private double _sumSquares;

    public OutcomeMetricKind Kind { get; } = kind;

    public long Count => Volatile.Read(ref _count);

    public long Successes => Volatile.Read(ref _successes);

    public double Sum => Volatile.Read(ref _sum);

    public double SumSquares => Volatile.Read(ref _sumSquares);

    public void AddNumber(double value)
    {
        Add(ref _sum, value);
        Add(ref _sumSquares, value * value);
        Interlocked.Increment(ref _count);
    }

    public void AddSuccess(bool success)
    {
        if (success)
        {
            Interlocked.Increment(ref _successes);
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>Restores saved totals (state file), before the tally is shared.</summary>
    public void Restore(long count, long successes, double sum, double sumSquares)
    {
        _count = count;
        _successes = successes;
        _sum = sum;
        _sumSquares = sumSquares;
    }

    private static void Add(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}
