using System.Diagnostics.Metrics;
using System.Text;

namespace Inference.Metrics;

/// <summary>
/// Listens to the instruments of chosen meters and renders them in the Prometheus text
/// exposition format 0.0.4. Instrument names are used as metric names (dots and dashes become
/// underscores), so instruments are named the way they should be scraped, e.g.
/// <c>inference_requests_total</c>.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener;
    private readonly HashSet<string> _meterNames;
    private readonly object? _scope;
    private readonly Lock _familiesLock = new();
    private readonly Lock _collectLock = new();
    private MetricFamily[] _families = [];
    private bool _disposed;

    /// <param name="scope">
    /// When set, only meters whose <see cref="Meter.Scope"/> is this object are exported — pass the
    /// host's <see cref="IMeterFactory"/> so two hosts in one process do not see each other's series.
    /// </param>
    /// <param name="meterNames">The meters to export.</param>
    public PrometheusExporter(object? scope, params string[] meterNames)
    {
        _scope = scope;
        _meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<double>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<float>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<long>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<int>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<short>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<byte>(static (i, v, t, s) => ((MetricFamily)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<decimal>(static (i, v, t, s) => ((MetricFamily)s!).Record((double)v, t));
        _listener.Start();
    }

    /// <summary>Whether process metrics (resident memory, CPU time, GC heap) are appended.</summary>
    public bool IncludeProcessMetrics { get; init; } = true;

    /// <summary>The content type of <see cref="Collect"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Renders every exported series now.</summary>
    public string Collect()
    {
        lock (_collectLock)
        {
            foreach (var family in Volatile.Read(ref _families))
            {
                family.BeginCollect();
            }

            // Observable instruments report through the same callbacks, synchronously.
            _listener.RecordObservableInstruments();

            var text = new StringBuilder(4096);
            foreach (var family in Volatile.Read(ref _families))
            {
                family.WriteTo(text);
            }

            if (IncludeProcessMetrics)
            {
                ProcessMetrics.WriteTo(text);
            }

            return text.ToString();
        }
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (_disposed || !_meterNames.Contains(instrument.Meter.Name))
        {
            return;
        }

        if (_scope is not null && !ReferenceEquals(instrument.Meter.Scope, _scope))
        {
            return;
        }

        var family = MetricFamily.Create(instrument);
        if (family is null)
        {
            return;
        }

        lock (_familiesLock)
        {
            var families = _families;
            var grown = new MetricFamily[families.Length + 1];
            families.CopyTo(grown, 0);
            grown[^1] = family;
            Volatile.Write(ref _families, grown);
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family)
        {
            return;
        }

        lock (_familiesLock)
        {
            var families = _families;
            var index = Array.IndexOf(families, family);
            if (index < 0)
            {
                return;
            }

            var shrunk = new MetricFamily[families.Length - 1];
            Array.Copy(families, 0, shrunk, 0, index);
            Array.Copy(families, index + 1, shrunk, index, families.Length - index - 1);
            Volatile.Write(ref _families, shrunk);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }
}
