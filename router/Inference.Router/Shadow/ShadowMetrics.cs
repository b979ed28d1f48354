using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inference.Router.Metrics;

namespace Inference.Router.Shadow;

/// <summary>
/// The shadow's instruments, on the router's meter. <c>version</c> is the shadow version, <c>primary</c> the version
/// whose answer it was compared with.
/// </summary>
internal sealed class ShadowMetrics
{
    public const string Sent = "sent";
    public const string Dropped = "dropped";
    public const string Failed = "failed";
    public const string Agreed = "agreed";
    public const string Disagreed = "disagreed";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _maxAbsDifference;
    private readonly Counter<long> _rows;

    public ShadowMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(RouterMetrics.MeterName);
        _requests = meter.CreateCounter<long>("router_shadow_requests_total", unit: "{request}",
            description: "Shadow copies by result: sent, dropped (over the concurrency or size bound), failed, agreed, disagreed.");
        _maxAbsDifference = meter.CreateHistogram<double>("router_shadow_max_abs_difference", unit: "1",
            description: "The largest absolute difference between the shadow's and the primary's elements of a numeric output, per compared copy.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0, 1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100] });
        _rows = meter.CreateCounter<long>("router_shadow_classifier_rows_total", unit: "{row}",
            description: "Rows of classifier outputs (argmax of scores, or labels) on which the shadow agreed or disagreed with the primary.");
    }

    public void Request(string model, string version, string primary, string result)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList { { "model", model }, { "version", version }, { "primary", primary }, { "result", result } });
        }
    }

    public void Compared(string model, string version, string primary, OutputComparison output)
    {
        if (output.MaxAbsDifference is { } difference && _maxAbsDifference.Enabled)
        {
            _maxAbsDifference.Record(difference, new TagList { { "model", model }, { "version", version }, { "primary", primary }, { "output", output.Output } });
        }

        if (output.Rows > 0 && _rows.Enabled)
        {
            if (output.RowsAgreed > 0)
            {
                _rows.Add(output.RowsAgreed, new TagList { { "model", model }, { "version", version }, { "primary", primary }, { "output", output.Output }, { "result", Agreed } });
            }

            if (output.Rows > output.RowsAgreed)
            {
                _rows.Add(output.Rows - output.RowsAgreed, new TagList { { "model", model }, { "version", version }, { "primary", primary }, { "output", output.Output }, { "result", Disagreed } });
            }
        }
    }
}
