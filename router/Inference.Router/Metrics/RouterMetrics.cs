using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inference.Router.Routing;

namespace Inference.Router.Metrics;

/// <summary>The router's instruments (meter <c>Inference.Router</c>), named as they are scraped.</summary>
internal sealed class RouterMetrics
{
    public const string MeterName = "Inference.Router";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _upstreamFailures;
    private readonly Counter<long> _versionMismatches;
    private readonly Counter<long> _adminChanges;
    private readonly Counter<long> _configReloads;
    private readonly Counter<long> _panicRouted;
    private readonly Counter<long> _stateSaveFailures;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _adminDenials;
    private Func<RoutingSnapshot?> _snapshot = static () => null;
    private TimeProvider _time = TimeProvider.System;

    public RouterMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("router_requests_total", unit: "{request}",
            description: "gRPC requests handled by the router, by model, experiment group, version and gRPC status.");
        _duration = meter.CreateHistogram<double>("router_request_duration_seconds", unit: "s",
            description: "Time from receiving a request to the end of its response, including the upstream call.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
        _upstreamFailures = meter.CreateCounter<long>("router_upstream_failures_total", unit: "{failure}",
            description: "Attempts to forward a request that failed at the transport level (refused, reset, timed out).");
        _versionMismatches = meter.CreateCounter<long>("router_version_mismatch_total", unit: "{response}",
            description: "Responses whose upstream x-model-version differed from the version the router chose.");
        _adminChanges = meter.CreateCounter<long>("router_admin_changes_total", unit: "{change}",
            description: "Admin API weight changes and rollbacks, by model, action and result.");
        _configReloads = meter.CreateCounter<long>("router_config_reloads_total", unit: "{reload}",
            description: "Configuration file loads, by result (applied, rejected).");
        _panicRouted = meter.CreateCounter<long>("router_panic_requests_total", unit: "{attempt}",
            description: "Attempts sent to a passively ejected endpoint because no endpoint of the version was available (panic mode).");
        _stateSaveFailures = meter.CreateCounter<long>("router_state_save_failures_total", unit: "{failure}",
            description: "Admin changes applied in memory whose state file could not be written (lost on restart).");
        _fallbacks = meter.CreateCounter<long>("router_fallbacks_total", unit: "{request}",
            description: "Calls served by the control group's version because the version of the group they were assigned to (label group) had no healthy endpoint.");
        _adminDenials = meter.CreateCounter<long>("router_admin_denied_total", unit: "{request}",
            description: "Admin API requests refused for missing (401) or wrong (403) credentials, by status.");
        meter.CreateObservableGauge("router_config_revision", () => _snapshot()?.Revision ?? 0, unit: "{revision}",
            description: "Revision of the routing state; every file reload and admin change increments it.");
        meter.CreateObservableGauge("router_weight", ObserveWeights, unit: "1",
            description: "Current weight of each experiment group.");
        meter.CreateObservableGauge("router_endpoints", ObserveEndpoints, unit: "{endpoint}",
            description: "Endpoints of each model version, by state (available, unavailable).");
    }

    /// <summary>Lets the observable gauges read the current snapshot.</summary>
    public void Observe(Func<RoutingSnapshot?> snapshot, TimeProvider time)
    {
        _time = time;
        _snapshot = snapshot;
    }

    public void RequestCompleted(string model, string experiment, string group, string version, string grpcCode, double seconds)
    {
        if (_requests.Enabled)
        {
            var tags = new TagList
            {
                { "model", model },
                { "experiment", experiment },
                { "group", group },
                { "version", version },
                { "grpc_code", grpcCode },
            };
            _requests.Add(1, tags);
        }

        if (_duration.Enabled)
        {
            var tags = new TagList
            {
                { "model", model },
                { "experiment", experiment },
                { "group", group },
                { "version", version },
            };
            _duration.Record(seconds, tags);
        }
    }

    public void UpstreamFailure(string model, string version)
    {
        if (_upstreamFailures.Enabled)
        {
            _upstreamFailures.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("version", version));
        }
    }

    public void VersionMismatch(string model, string expected, string actual)
    {
        if (_versionMismatches.Enabled)
        {
            _versionMismatches.Add(1,
                new KeyValuePair<string, object?>("model", model),
                new KeyValuePair<string, object?>("expected", expected),
                new KeyValuePair<string, object?>("actual", actual));
        }
    }

    public void PanicRouted(string model, string version)
    {
        if (_panicRouted.Enabled)
        {
            _panicRouted.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("version", version));
        }
    }

    public void StateSaveFailed() => _stateSaveFailures.Add(1);

    public void Fallback(string model, string experiment, string assignedGroup)
    {
        if (_fallbacks.Enabled)
        {
            _fallbacks.Add(1,
                new KeyValuePair<string, object?>("model", model),
                new KeyValuePair<string, object?>("experiment", experiment),
                new KeyValuePair<string, object?>("group", assignedGroup));
        }
    }

    public void AdminDenied(int status) => _adminDenials.Add(1, new KeyValuePair<string, object?>("status", status));

    public void AdminChange(string model, string action, string result) =>
        _adminChanges.Add(1,
            new KeyValuePair<string, object?>("model", model),
            new KeyValuePair<string, object?>("action", action),
            new KeyValuePair<string, object?>("result", result));

    public void ConfigReload(string result) =>
        _configReloads.Add(1, new KeyValuePair<string, object?>("result", result));

    private IEnumerable<Measurement<double>> ObserveWeights()
    {
        var snapshot = _snapshot();
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var model in snapshot.Models.Values)
        {
            foreach (var group in model.Experiment.Groups)
            {
                yield return new Measurement<double>((double)group.Weight,
                    new KeyValuePair<string, object?>("model", model.Name),
                    new KeyValuePair<string, object?>("experiment", model.Experiment.Name),
                    new KeyValuePair<string, object?>("group", group.Name));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveEndpoints()
    {
        var snapshot = _snapshot();
        if (snapshot is null)
        {
            yield break;
        }

        var now = _time.GetTimestamp();
        foreach (var model in snapshot.Models.Values)
        {
            foreach (var pool in model.Versions.Values)
            {
                var available = pool.Endpoints.Count(e => e.IsAvailable(now));
                yield return new Measurement<int>(available,
                    new("model", model.Name), new("version", pool.Version), new("state", "available"));
                yield return new Measurement<int>(pool.Endpoints.Length - available,
                    new("model", model.Name), new("version", pool.Version), new("state", "unavailable"));
            }
        }
    }
}
