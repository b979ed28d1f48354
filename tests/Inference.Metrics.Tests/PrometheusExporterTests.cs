using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Inference.Metrics.Tests;

public sealed class PrometheusExporterTests
{
    // Each test uses its own meter name so tests running in parallel never share series.
    private static string UniqueMeterName() => "test." + Guid.NewGuid().ToString("N");

    [Fact]
    public void Counter_WithTags_IsExportedPerTagSetInAnyTagOrder()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var counter = meter.CreateCounter<long>("requests_total", description: "Requests served.");

        counter.Add(2, new("method", "Infer"), new("code", "OK"));
        counter.Add(3, new("code", "OK"), new("method", "Infer"));
        counter.Add(1, new("method", "Infer"), new("code", "NOT_FOUND"));

        var text = exporter.Collect();

        Assert.Contains("# HELP requests_total Requests served.\n", text);
        Assert.Contains("# TYPE requests_total counter\n", text);
        Assert.Contains("requests_total{code=\"OK\",method=\"Infer\"} 5\n", text);
        Assert.Contains("requests_total{code=\"NOT_FOUND\",method=\"Infer\"} 1\n", text);
    }

    [Fact]
    public void TagValues_MatchByWhatTheyRender_WhetherOrNotTheyAreTheSameObject()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var counter = meter.CreateCounter<long>("calls_total");
        var mutable = new System.Text.StringBuilder("first");

        // Equal strings that are different objects share a series; one object that renders differently does not.
        counter.Add(1, new KeyValuePair<string, object?>("method", new string("Infer".AsSpan())));
        counter.Add(2, new KeyValuePair<string, object?>("method", new string("Infer".AsSpan())));
        counter.Add(4, new KeyValuePair<string, object?>("stage", mutable));
        mutable.Clear().Append("second");
        counter.Add(8, new KeyValuePair<string, object?>("stage", mutable));

        var text = exporter.Collect();

        Assert.Contains("calls_total{method=\"Infer\"} 3\n", text);
        Assert.Contains("calls_total{stage=\"first\"} 4\n", text);
        Assert.Contains("calls_total{stage=\"second\"} 8\n", text);
    }

    [Fact]
    public void Histogram_BucketsAreCumulativeWithSumAndCount()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var histogram = meter.CreateHistogram<double>("latency_seconds", unit: "s", description: null,
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });

        histogram.Record(0.05);
        histogram.Record(0.1); // on the boundary: le is inclusive
        histogram.Record(0.5);
        histogram.Record(20);

        var text = exporter.Collect();

        Assert.Contains("# TYPE latency_seconds histogram\n", text);
        Assert.Contains("latency_seconds_bucket{le=\"0.1\"} 2\n", text);
        Assert.Contains("latency_seconds_bucket{le=\"1\"} 3\n", text);
        Assert.Contains("latency_seconds_bucket{le=\"10\"} 3\n", text);
        Assert.Contains("latency_seconds_bucket{le=\"+Inf\"} 4\n", text);
        Assert.Contains("latency_seconds_count 4\n", text);
        var sum = Regex.Match(text, @"latency_seconds_sum (\S+)\n").Groups[1].Value;
        Assert.Equal(20.65, double.Parse(sum, CultureInfo.InvariantCulture), 9);
    }

    [Fact]
    public void Histogram_WithoutAdvice_UsesDefaultBucketsAndKeepsLabelsBeforeLe()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var histogram = meter.CreateHistogram<double>("d_seconds");

        histogram.Record(0.0003, new KeyValuePair<string, object?>("model", "iris"));

        var text = exporter.Collect();

        Assert.Contains("d_seconds_bucket{model=\"iris\",le=\"0.00025\"} 0\n", text);
        Assert.Contains("d_seconds_bucket{model=\"iris\",le=\"0.0005\"} 1\n", text);
        Assert.Equal(MetricFamily.DefaultBuckets.Length + 1, Regex.Matches(text, "d_seconds_bucket").Count);
    }

    [Fact]
    public void LabelValues_AreEscaped()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var counter = meter.CreateCounter<int>("escaped_total");

        counter.Add(1, new KeyValuePair<string, object?>("v", "a\"b\\c\nd"));

        Assert.Contains("escaped_total{v=\"a\\\"b\\\\c\\nd\"} 1\n", exporter.Collect());
    }

    [Fact]
    public void UpDownCounter_IsGaugeThatGoesBothWays()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var inFlight = meter.CreateUpDownCounter<long>("in_flight");

        inFlight.Add(3);
        inFlight.Add(-2);

        var text = exporter.Collect();
        Assert.Contains("# TYPE in_flight gauge\n", text);
        Assert.Contains("in_flight 1\n", text);
    }

    [Fact]
    public void ObservableGauge_ReportsCurrentValuesAndDropsVanishedSeries()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var weights = new Dictionary<string, int> { ["control"] = 90, ["treatment"] = 10 };
        meter.CreateObservableGauge("weight", () => weights.Select(w =>
            new Measurement<int>(w.Value, new KeyValuePair<string, object?>("group", w.Key))).ToArray());

        var first = exporter.Collect();
        weights.Remove("treatment");
        weights["control"] = 100;
        var second = exporter.Collect();

        Assert.Contains("weight{group=\"treatment\"} 10\n", first);
        Assert.Contains("weight{group=\"control\"} 100\n", second);
        Assert.DoesNotContain("treatment", second);
    }

    [Fact]
    public void Scope_OnlyMetersOfThatFactoryAreExported()
    {
        var meterName = UniqueMeterName();
        var scope = new object();
        using var ours = new Meter(new MeterOptions(meterName) { Scope = scope });
        using var theirs = new Meter(new MeterOptions(meterName) { Scope = new object() });
        using var exporter = new PrometheusExporter(scope, meterName) { IncludeProcessMetrics = false };

        ours.CreateCounter<int>("ours_total").Add(1);
        theirs.CreateCounter<int>("theirs_total").Add(1);

        var text = exporter.Collect();
        Assert.Contains("ours_total 1\n", text);
        Assert.DoesNotContain("theirs_total", text);
    }

    [Fact]
    public void OtherMeters_AreNotExported_AndInvalidNameCharactersAreReplaced()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var other = new Meter(UniqueMeterName());
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };

        meter.CreateCounter<int>("my.dotted-name").Add(1);
        other.CreateCounter<int>("foreign_total").Add(1);

        var text = exporter.Collect();
        Assert.Contains("my_dotted_name 1\n", text);
        Assert.DoesNotContain("foreign_total", text);
    }

    [Fact]
    public void ProcessMetrics_AreIncludedByDefault()
    {
        var meterName = UniqueMeterName();
        using var exporter = new PrometheusExporter(null, meterName);

        var text = exporter.Collect();

        var rss = Regex.Match(text, @"\nprocess_resident_memory_bytes (\d+)\n");
        Assert.True(rss.Success, text);
        Assert.True(long.Parse(rss.Groups[1].Value, CultureInfo.InvariantCulture) > 1_000_000);
    }

    [Fact]
    public void ConcurrentRecording_LosesNoIncrement()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var counter = meter.CreateCounter<double>("c_total");
        var histogram = meter.CreateHistogram<double>("h");

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(0.5, new KeyValuePair<string, object?>("k", "v"));
                histogram.Record(1);
            }
        });

        var text = exporter.Collect();
        Assert.Contains("c_total{k=\"v\"} 20000\n", text);
        Assert.Contains("h_count 40000\n", text);
    }

    [Fact]
    public async Task NaN_RecordedRepeatedly_IsExportedAndNeverHangsTheRecorder()
    {
        var meterName = UniqueMeterName();
        using var meter = new Meter(meterName);
        using var exporter = new PrometheusExporter(null, meterName) { IncludeProcessMetrics = false };
        var counter = meter.CreateCounter<double>("nan_total");
        var gauge = meter.CreateUpDownCounter<double>("nan_sum");
        var histogram = meter.CreateHistogram<double>("nan_hist", unit: null, description: null,
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1] });

        // A model can emit NaN scores; the prediction histogram must survive them. Once the sum is NaN, a
        // compare-by-value update loop never succeeds, so run the recording off-thread and bound the wait.
        var recording = Task.Run(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                counter.Add(double.NaN);
                gauge.Add(double.NaN);
                histogram.Record(double.NaN);
            }

            histogram.Record(0.25);
        });
        Assert.Same(recording, await Task.WhenAny(recording, Task.Delay(TimeSpan.FromSeconds(30))));

        var text = exporter.Collect();
        Assert.Contains("nan_total 0\n", text); // a counter only ever grows: NaN is not an increment
        Assert.Contains("nan_sum NaN\n", text);
        Assert.Contains("nan_hist_bucket{le=\"0.5\"} 1\n", text);
        Assert.Contains("nan_hist_bucket{le=\"1\"} 1\n", text);
        Assert.Contains("nan_hist_bucket{le=\"+Inf\"} 4\n", text);
        Assert.Contains("nan_hist_count 4\n", text);
        Assert.Contains("nan_hist_sum NaN\n", text);
    }
}
