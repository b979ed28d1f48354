using System.Text;

namespace Inference.Metrics;

/// <summary>The state of one metric for one set of tags. Updated lock-free.</summary>
internal sealed class Series
{
    private readonly long[] _bucketCounts;
    private double _value;
    private double _sum;
    private long _count;

    // The tags as the first caller passed them (key order and value objects): callers of one series pass the same
    // order every time, so most lookups compare these position by position, by reference, before the general match.
    private readonly KeyValuePair<string, object?>[] _asRecorded;

    public Series(ReadOnlySpan<KeyValuePair<string, object?>> tags, int bucketCount)
    {
        _asRecorded = tags.ToArray();
        var copy = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            copy[i] = new(PrometheusText.SanitizeName(tags[i].Key), tags[i].Value?.ToString() ?? string.Empty);
        }

        // A fixed label order keeps the exposition stable whatever order callers pass tags in.
        Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        Tags = copy;
        _bucketCounts = bucketCount == 0 ? [] : new long[bucketCount];
    }

    public KeyValuePair<string, string>[] Tags { get; }

    public double Value => Volatile.Read(ref _value);

    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != Tags.Length)
        {
            return false;
        }

        if (MatchesAsRecorded(tags))
        {
            return true;
        }

        foreach (var tag in tags)
        {
            if (!Contains(tag))
            {
                return false;
            }
        }

        return true;
    }

    private bool MatchesAsRecorded(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var recorded = _asRecorded;
        for (var i = 0; i < tags.Length; i++)
        {
            // Same key and the same string (constants, cached tags): strings cannot change what they render to, other
            // value objects could; anything else takes the general match.
            if (!ReferenceEquals(tags[i].Key, recorded[i].Key)
                || !ReferenceEquals(tags[i].Value, recorded[i].Value)
                || tags[i].Value is not (string or null))
            {
                return false;
            }
        }

        return true;
    }

    public void Add(double delta)
    {
        AddTo(ref _value, delta);
    }

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void Observe(double value, double[] bounds)
    {
        // Buckets are stored non-cumulatively; the writer accumulates them.
        // NaN orders below every bound in BinarySearch; it belongs only to +Inf (and makes the sum NaN).
        var index = double.IsNaN(value) ? bounds.Length : Array.BinarySearch(bounds, value);
        if (index < 0)
        {
            index = ~index;
        }

        if (index < bounds.Length)
        {
            Interlocked.Increment(ref _bucketCounts[index]);
        }

        AddTo(ref _sum, value);
        Interlocked.Increment(ref _count);
    }

    private static void AddTo(ref double location, double delta)
    {
        // Compare bit patterns: a NaN is never == itself, so a value-compared CAS loop would spin forever.
        while (true)
        {
            var seen = Volatile.Read(ref location);
            var previous = Interlocked.CompareExchange(ref location, seen + delta, seen);
            if (BitConverter.DoubleToInt64Bits(previous) == BitConverter.DoubleToInt64Bits(seen))
            {
                return;
            }
        }
    }

    public void WriteHistogram(StringBuilder text, string name, double[] bounds)
    {
        // Read the total first: buckets observed after it may exceed it by a few, never the reverse
        // order, which would show a +Inf bucket below its finite neighbours.
        var count = Interlocked.Read(ref _count);
        var sum = Volatile.Read(ref _sum);
        long cumulative = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _bucketCounts[i]);
            text.Append(name).Append("_bucket");
            PrometheusText.AppendLabels(text, Tags, "le", PrometheusText.FormatValue(bounds[i]));
            text.Append(' ').Append(Math.Min(cumulative, count)).Append('\n');
        }

        text.Append(name).Append("_bucket");
        PrometheusText.AppendLabels(text, Tags, "le", "+Inf");
        text.Append(' ').Append(count).Append('\n');

        text.Append(name).Append("_sum");
        PrometheusText.AppendLabels(text, Tags, extraName: null, extraValue: null);
        text.Append(' ');
        PrometheusText.AppendValue(text, sum);
        text.Append('\n');

        text.Append(name).Append("_count");
        PrometheusText.AppendLabels(text, Tags, extraName: null, extraValue: null);
        text.Append(' ').Append(count).Append('\n');
    }

    private bool Contains(KeyValuePair<string, object?> tag)
    {
        foreach (var own in Tags)
        {
            if (!string.Equals(own.Key, tag.Key, StringComparison.Ordinal)
                && !string.Equals(own.Key, PrometheusText.SanitizeName(tag.Key), StringComparison.Ordinal))
            {
                continue;
            }

            return tag.Value switch
            {
                string s => string.Equals(own.Value, s, StringComparison.Ordinal),
                null => own.Value.Length == 0,
                var other => string.Equals(own.Value, other.ToString(), StringComparison.Ordinal),
            };
        }

        return false;
    }
}
