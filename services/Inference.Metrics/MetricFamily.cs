using System.Diagnostics.Metrics;
using System.Text;

namespace Inference.Metrics;

/// <summary>One instrument and its series, one series per distinct set of tags.</summary>
internal sealed class MetricFamily
{
    // Fine enough at the low end for sub-millisecond inference on small models.
    internal static readonly double[] DefaultBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _seriesLock = new();
    private readonly bool _observable;
    private Series[] _series = [];

    private MetricFamily(string name, string help, MetricKind kind, bool observable, double[] bounds)
    {
        Name = name;
        Help = help;
        Kind = kind;
        _observable = observable;
        Bounds = bounds;
    }

    public string Name { get; }

    public string Help { get; }

    public MetricKind Kind { get; }

    public double[] Bounds { get; }

    public static MetricFamily? Create(Instrument instrument)
    {
        var name = PrometheusText.SanitizeName(instrument.Name);
        var help = instrument.Description ?? string.Empty;
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return new MetricFamily(name, help, MetricKind.Counter, observable: false, []);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return new MetricFamily(name, help, MetricKind.UpDownSum, observable: false, []);
        }

        if (definition == typeof(Gauge<>))
        {
            return new MetricFamily(name, help, MetricKind.LastValue, observable: false, []);
        }

        if (definition == typeof(Histogram<>))
        {
            return new MetricFamily(name, help, MetricKind.Histogram, observable: false, BucketsOf(instrument));
        }

        if (definition == typeof(ObservableCounter<>))
        {
            // Observed totals: Prometheus still calls them counters.
            return new MetricFamily(name, help, MetricKind.LastValue, observable: true, []) { IsMonotonic = true };
        }

        if (definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>))
        {
            return new MetricFamily(name, help, MetricKind.LastValue, observable: true, []);
        }

        return null;
    }

    private bool IsMonotonic { get; init; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = Find(tags) ?? Add(tags);
        switch (Kind)
        {
            case MetricKind.Counter:
                if (value > 0)
                {
                    series.Add(value);
                }
                break;
            case MetricKind.UpDownSum:
                series.Add(value);
                break;
            case MetricKind.LastValue:
                series.Set(value);
                break;
            case MetricKind.Histogram:
                series.Observe(value, Bounds);
                break;
        }
    }

    /// <summary>Observable series are rebuilt on every collection, so vanished tag sets vanish.</summary>
    public void BeginCollect()
    {
        if (_observable)
        {
            lock (_seriesLock)
            {
                Volatile.Write(ref _series, []);
            }
        }
    }

    public void WriteTo(StringBuilder text)
    {
        var all = Volatile.Read(ref _series);
        if (all.Length == 0 && _observable)
        {
            return;
        }

        if (Help.Length > 0)
        {
            text.Append("# HELP ").Append(Name).Append(' ');
            PrometheusText.AppendEscapedHelp(text, Help);
            text.Append('\n');
        }

        text.Append("# TYPE ").Append(Name).Append(' ').Append(TypeName).Append('\n');
        foreach (var series in all)
        {
            if (Kind == MetricKind.Histogram)
            {
                series.WriteHistogram(text, Name, Bounds);
            }
            else
            {
                text.Append(Name);
                PrometheusText.AppendLabels(text, series.Tags, extraName: null, extraValue: null);
                text.Append(' ');
                PrometheusText.AppendValue(text, series.Value);
                text.Append('\n');
            }
        }
    }

    private string TypeName => Kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Histogram => "histogram",
        MetricKind.LastValue when IsMonotonic => "counter",
        _ => "gauge",
    };

    private Series? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var series in Volatile.Read(ref _series))
        {
            if (series.Matches(tags))
            {
                return series;
            }
        }

        return null;
    }

    private Series Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_seriesLock)
        {
            var existing = Find(tags);
            if (existing is not null)
            {
                return existing;
            }

            var created = new Series(tags, Kind == MetricKind.Histogram ? Bounds.Length : 0);
            var all = _series;
            var grown = new Series[all.Length + 1];
            all.CopyTo(grown, 0);
            grown[^1] = created;
            Volatile.Write(ref _series, grown);
            return created;
        }
    }

    private static double[] BucketsOf(Instrument instrument)
    {
        IReadOnlyList<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
            _ => null,
        };

        return advised is { Count: > 0 } ? [.. advised] : DefaultBuckets;
    }
}
