using System.Diagnostics.Metrics;
using Inference.Router.Metrics;
using Inference.Router.Routing;

namespace Inference.Router.Guard;

/// <summary>The guard's instruments, on the router's meter.</summary>
internal sealed class GuardMetrics
{
    private readonly Counter<long> _rollbacks;
    private readonly Func<RoutingSnapshot?> _snapshot;
    private readonly TimeProvider _time;

    public GuardMetrics(IMeterFactory meterFactory, RouterState state, TimeProvider time)
    {
        _snapshot = () => state.Current;
        _time = time;
        var meter = meterFactory.Create(RouterMetrics.MeterName);
        _rollbacks = meter.CreateCounter<long>("router_guard_rollbacks_total", unit: "{rollback}",
            description: "Automatic rollbacks of an experiment by the guard.");
        meter.CreateObservableGauge("router_guard_rolled_back", ObserveRolledBack, unit: "1",
            description: "1 while an experiment with a guard is rolled back by the guard (until weights are set again), else 0.");
        meter.CreateObservableGauge("router_guard_window_calls", () => ObserveWindows(static f => f.Calls), unit: "{call}",
            description: "Calls of each experiment group in the guard's current window.");
        meter.CreateObservableGauge("router_guard_fault_rate", () => ObserveWindows(static f => f.FaultRate), unit: "1",
            description: "Share of server faults among each experiment group's calls in the guard's current window.");
        meter.CreateObservableGauge("router_guard_p99_seconds", () => ObserveWindows(static f => f.P99Seconds), unit: "s",
            description: "p99 latency of each experiment group's calls in the guard's current window (upper bound of its bucket).");
    }

    public void RolledBack(string model, string experiment) =>
        _rollbacks.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("experiment", experiment));

    private IEnumerable<Measurement<int>> ObserveRolledBack()
    {
        foreach (var model in _snapshot()?.Models.Values ?? [])
        {
            if (model.Experiment.Guard is not null)
            {
                yield return new Measurement<int>(model.Experiment.Rollback?.By == RollbackRecord.Guard ? 1 : 0,
                    new("model", model.Name), new("experiment", model.Experiment.Name));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveWindows(Func<GroupFigures, double> value)
    {
        var now = GuardMonitor.Seconds(_time);
        foreach (var model in _snapshot()?.Models.Values ?? [])
        {
            if (model.Experiment.Guard is not { } window)
            {
                continue;
            }

            foreach (var figures in window.Figures(now))
            {
                yield return new Measurement<double>(value(figures),
                    new("model", model.Name), new("experiment", model.Experiment.Name), new("group", figures.Group));
            }
        }
    }
}
