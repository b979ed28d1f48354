using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inference.Router.Configuration;
using Inference.Router.Metrics;
using Inference.Router.Routing;

namespace Inference.Router.Statistics;

/// <summary>
/// The statistics of every model's experiment on this router: requests assigned per group and the outcomes callers
/// report. The hot path reads one published view (rebuilt when the routing snapshot changes) and increments counters
/// without locks; the view is saved to the results file on a timer and at shutdown.
/// </summary>
internal sealed class ExperimentResults
{
    private readonly Lock _gate = new();
    private readonly RouterState _state;
    private readonly ResultsStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _rejected;
    private Dictionary<string, ExperimentTally>? _saved;
    private View _view = new(null, new Dictionary<string, ExperimentTally>(StringComparer.Ordinal));

    public ExperimentResults(RouterState state, ResultsStore? store, IMeterFactory meterFactory, TimeProvider time, ILogger<ExperimentResults> logger)
    {
        _state = state;
        _store = store;
        _time = time;
        _logger = logger;
        if (store is not null)
        {
            try
            {
                _saved = store.Load();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                ResultsLog.LoadFailed(logger, store.Path, ex.Message);
            }
        }

        var meter = meterFactory.Create(RouterMetrics.MeterName);
        meter.CreateObservableCounter("router_experiment_assigned_total", ObserveAssigned, unit: "{request}",
            description: "Requests assigned to each experiment group by its weight (sticky key or random bucket), since the experiment started on this router.");
        meter.CreateObservableCounter("router_outcomes_total", ObserveOutcomes, unit: "{outcome}",
            description: "Outcomes reported by callers, by model, experiment, group and metric.");
        meter.CreateObservableCounter("router_outcome_successes_total", ObserveSuccesses, unit: "{outcome}",
            description: "Boolean outcomes reported as a success, by model, experiment, group and metric.");
        // A gauge: numbers may be negative, so the sum can fall.
        meter.CreateObservableGauge("router_outcome_value_sum", ObserveSums, unit: "1",
            description: "The sum of the number outcomes reported, by model, experiment, group and metric.");
        _rejected = meter.CreateCounter<long>("router_outcome_reports_rejected_total", unit: "{report}",
            description: "Outcome reports refused with INVALID_ARGUMENT (nothing of them recorded).");
    }

    /// <summary>Where the statistics are saved; null without a state file.</summary>
    public string? StorePath => _store?.Path;

    /// <summary>
    /// Counts one request assigned to its group by the experiment's weights. The proxy calls this once per such
    /// decision; pinned versions and group overrides are not assignments by weight and are not counted.
    /// </summary>
    public void CountAssigned(RoutingSnapshot snapshot, in RouteDecision decision)
    {
        if (Tallies(snapshot).TryGetValue(decision.Model.Name, out var tally) && tally.Groups.TryGetValue(decision.Group, out var group))
        {
            group.Assigned.Increment();
        }
    }

    /// <summary>The statistics of the current routing snapshot's experiments, by model.</summary>
    public IReadOnlyDictionary<string, ExperimentTally> Current() =>
        _state.Current is { } snapshot ? Tallies(snapshot) : Volatile.Read(ref _view).Models;

    public void CountRejected(string model)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("model", model));
        }
    }

    /// <summary>Writes the statistics to the results file; false when that failed (logged).</summary>
    public bool Save()
    {
        if (_store is null)
        {
            return true;
        }

        try
        {
            lock (_gate)
            {
                _store.Save(Current().Values);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ResultsLog.SaveFailed(_logger, _store.Path, ex);
            return false;
        }
    }

    /// <summary>Saves every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Save();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private IReadOnlyDictionary<string, ExperimentTally> Tallies(RoutingSnapshot snapshot)
    {
        var view = Volatile.Read(ref _view);
        return ReferenceEquals(view.Snapshot, snapshot) ? view.Models : Refresh(snapshot);
    }

    private Dictionary<string, ExperimentTally> Refresh(RoutingSnapshot snapshot)
    {
        lock (_gate)
        {
            var view = _view;
            if (ReferenceEquals(view.Snapshot, snapshot))
            {
                return view.Models;
            }

            var now = _time.GetUtcNow();
            var models = new Dictionary<string, ExperimentTally>(StringComparer.Ordinal);
            foreach (var route in snapshot.Models.Values)
            {
                var experiment = route.Experiment;
                ExperimentTally? previous = null;
                if (view.Models.TryGetValue(route.Name, out var running) && running.Experiment == experiment.Name)
                {
                    previous = running;
                }
                else if (_saved is not null && _saved.TryGetValue(route.Name, out var saved) && saved.Experiment == experiment.Name)
                {
                    previous = saved;
                    ResultsLog.Restored(_logger, route.Name, saved.Experiment, _store!.Path);
                }
                else if (running is not null || _saved?.ContainsKey(route.Name) == true)
                {
                    ResultsLog.Started(_logger, route.Name, experiment.Name, running?.Experiment ?? _saved![route.Name].Experiment);
                }

                models.Add(route.Name, Carry(route.Name, experiment, previous, now));
            }

            // Saved statistics are adopted by the first snapshot or not at all: a later rename back must start anew.
            _saved = null;
            Volatile.Write(ref _view, new View(snapshot, models));
            return models;
        }
    }

    private static ExperimentTally Carry(string model, ExperimentRoute experiment, ExperimentTally? previous, DateTimeOffset now)
    {
        var groups = new Dictionary<string, GroupTally>(StringComparer.Ordinal);
        foreach (var group in experiment.Groups)
        {
            GroupTally? old = null;
            previous?.Groups.TryGetValue(group.Name, out old);
            var metrics = new Dictionary<string, MetricTally>(StringComparer.Ordinal);
            foreach (var metric in experiment.Config.Metrics)
            {
                metrics.Add(metric.Name, old is not null && old.Metrics.TryGetValue(metric.Name, out var kept) && kept.Kind == metric.Kind
                    ? kept
                    : new MetricTally(metric.Kind));
            }

            groups.Add(group.Name, new GroupTally(group.Name, old?.Assigned ?? new StripedCounter(), metrics));
        }

        var weights = experiment.Weights();
        var changed = previous is not null && !SameWeights(previous.Weights, weights) ? now : previous?.WeightsChangedAt;
        return new ExperimentTally(model, experiment.Name, experiment.Control.Name, previous?.StartedAt ?? now, groups)
        {
            Weights = weights,
            WeightsChangedAt = changed,
        };
    }

    private static bool SameWeights(IReadOnlyDictionary<string, decimal> a, IReadOnlyDictionary<string, decimal> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && other == entry.Value);

    private IEnumerable<Measurement<long>> ObserveAssigned()
    {
        foreach (var tally in Current().Values)
        {
            foreach (var group in tally.Groups.Values)
            {
                yield return new Measurement<long>(group.Assigned.Value, Tags(tally, group.Name, null));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveOutcomes() => ObserveMetrics(static m => true, static m => m.Count);

    private IEnumerable<Measurement<long>> ObserveSuccesses() => ObserveMetrics(static m => m.Kind == OutcomeMetricKind.Boolean, static m => m.Successes);

    private IEnumerable<Measurement<double>> ObserveSums() => ObserveMetrics(static m => m.Kind == OutcomeMetricKind.Number, static m => m.Sum);

    private IEnumerable<Measurement<T>> ObserveMetrics<T>(Func<MetricTally, bool> include, Func<MetricTally, T> value)
        where T : struct
    {
        foreach (var tally in Current().Values)
        {
            foreach (var group in tally.Groups.Values)
            {
                foreach (var (name, metric) in group.Metrics)
                {
                    if (include(metric))
                    {
                        yield return new Measurement<T>(value(metric), Tags(tally, group.Name, name));
                    }
                }
            }
        }
    }

    private static TagList Tags(ExperimentTally tally, string group, string? metric)
    {
        var tags = new TagList
        {
            { "model", tally.Model },
            { "experiment", tally.Experiment },
            { "group", group },
        };
        if (metric is not null)
        {
            tags.Add("metric", metric);
        }

        return tags;
    }

    private sealed record View(RoutingSnapshot? Snapshot, Dictionary<string, ExperimentTally> Models);
}
