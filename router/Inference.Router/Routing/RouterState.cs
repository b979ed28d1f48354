using System.Globalization;
using Inference.Router.Configuration;
using Inference.Router.Metrics;
using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>
/// Owns the published routing snapshot and every way it changes: configuration files, admin weight
/// changes and rollbacks, and the state file that keeps admin changes across restarts. Changes are
/// serialized; the hot path only reads <see cref="Current"/>.
/// </summary>
internal sealed class RouterState : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly UpstreamRegistry _upstreams;
    private readonly StateStore? _store;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChangeSignal _changes;
    private readonly Dictionary<string, WeightOverride> _overrides = new(StringComparer.Ordinal);
    private Dictionary<(string Model, string Version), VersionPool> _pools = [];
    private RoutingSnapshot? _snapshot;
    private long _revision;

    public RouterState(UpstreamRegistry upstreams, StateStore? store, RouterMetrics metrics, TimeProvider time, ChangeSignal changes, ILogger<RouterState> logger)
    {
        _changes = changes;
        _upstreams = upstreams;
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        metrics.Observe(() => Current, time);
        if (store is not null)
        {
            try
            {
                _overrides = store.Load();
            }
            catch (Exception ex)
            {
                // Whatever is wrong with the file (unreadable, too large, corrupt), the router starts without it.
                RoutingLog.StateLoadFailed(logger, store.Path, ex.Message);
            }
        }
    }

    /// <summary>The published snapshot; null until the first configuration is applied.</summary>
    public RoutingSnapshot? Current => Volatile.Read(ref _snapshot);

    /// <summary>Applies a configuration file; admin weights made against a different experiment section are dropped.</summary>
    public async Task ApplyConfigAsync(RouterConfig config, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var pools = await _upstreams.PrepareAsync(config, cancellationToken);
            var dropped = false;
            foreach (var entry in _overrides.Values.ToList())
            {
                string? why = null;
                if (!config.Models.TryGetValue(entry.Model, out var model))
                {
                    why = "the model is no longer configured";
                }
                else if (ExperimentFingerprint.Compute(model.Experiment) != entry.ExperimentFingerprint)
                {
                    why = "the configuration file changed this model's experiment";
                }
                else if (model.Experiment.Groups.Any(g => !entry.Weights.TryGetValue(g.Name, out var w) || WeightRules.CheckWeight(g.Name, w) is not null)
                    || entry.Weights.Count != model.Experiment.Groups.Count || entry.Weights.Values.Sum() <= 0)
                {
                    why = "the saved weights do not fit the experiment's groups";
                }
                else if (_snapshot is null)
                {
                    RoutingLog.OverrideRestored(_logger, entry.Model, Format(entry.Weights));
                }

                if (why is not null)
                {
                    RoutingLog.OverrideSuperseded(_logger, entry.Model, entry.ChangedBy, entry.ChangedAt, why);
                    _overrides.Remove(entry.Model);
                    dropped = true;
                }
            }

            if (dropped)
            {
                Save();
            }

            _pools = pools;
            Publish(config, reason);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sets the weights of the named groups; groups not named keep theirs.</summary>
    /// <param name="ifMatch">Revisions the caller based the change on (If-Match); null for no precondition.</param>
    public Task<AdminChangeResult> SetWeightsAsync(string model, IReadOnlyDictionary<string, decimal> weights, string who, IReadOnlyCollection<long>? ifMatch, CancellationToken cancellationToken) =>
        ChangeAsync(model, "set-weights", who, ifMatch, experiment =>
        {
            foreach (var (group, weight) in weights)
            {
                if (!experiment.Groups.Any(g => g.Name == group))
                {
                    return (null, $"experiment '{experiment.Name}' has no group '{group}' (groups: {string.Join(", ", experiment.Groups.Select(g => g.Name))})");
                }

                if (WeightRules.CheckWeight(group, weight) is { } reason)
                {
                    return (null, reason);
                }
            }

            var merged = experiment.Weights();
            foreach (var (group, weight) in weights)
            {
                merged[group] = weight;
            }

            return merged.Values.Sum() == 0 ? (null, "all weights would be zero") : (merged, null);
        }, cancellationToken);

    /// <summary>Sends all traffic to the control group, and records who did it and why until weights are set again.</summary>
    /// <param name="reason">Why; null for a rollback asked for through the admin API.</param>
    /// <param name="experimentName">When set, the rollback applies only while the model's experiment still has this name (the guard judged that one).</param>
    public Task<AdminChangeResult> RollbackAsync(string model, string who, IReadOnlyCollection<long>? ifMatch, CancellationToken cancellationToken, string? reason = null, string? experimentName = null) =>
        ChangeAsync(model, "rollback", who, ifMatch, experiment =>
            experimentName is not null && experiment.Name != experimentName
                ? (null, $"the experiment is now '{experiment.Name}', not '{experimentName}'")
                : (experiment.Groups.ToDictionary(g => g.Name, g => g == experiment.Control ? 100m : 0m), null),
            cancellationToken, new RollbackRecord(who, reason ?? RollbackRecord.AdminReason, default));

    private async Task<AdminChangeResult> ChangeAsync(
        string model,
        string action,
        string who,
        IReadOnlyCollection<long>? ifMatch,
        Func<ExperimentRoute, (Dictionary<string, decimal>? Weights, string? Error)> change,
        CancellationToken cancellationToken,
        RollbackRecord? rollback = null)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = _snapshot;
            if (snapshot is null || !snapshot.Models.TryGetValue(model, out var route))
            {
                return Refuse(404, $"model '{model}' is not configured");
            }

            // Checked under the gate, so two experimenters who read the same revision cannot both apply.
            if (ifMatch is not null && !ifMatch.Contains(snapshot.Revision))
            {
                return Refuse(412, $"the routing state changed: it is at revision {snapshot.Revision}, not {string.Join(" or ", ifMatch)} (If-Match); read GET /admin/models again", snapshot.Revision);
            }

            var experiment = route.Experiment;
            var (weights, error) = change(experiment);
            if (weights is null)
            {
                return Refuse(400, error!);
            }

            var before = experiment.Weights();
            var now = _time.GetUtcNow();
            rollback = rollback is null ? null : rollback with { At = now };
            _overrides[model] = new WeightOverride(model, ExperimentFingerprint.Compute(experiment.Config), weights, who, now, rollback);
            var persisted = Save();
            var published = Publish(snapshot.Config, $"{action} on model '{model}' by {who}");
            RoutingLog.Audit(_logger, who, action, model, experiment.Name, Format(before), Format(weights), published.Revision);
            if (rollback is not null)
            {
                RoutingLog.AuditRollbackReason(_logger, who, model, experiment.Name, rollback.Reason, published.Revision);
            }

            _metrics.AdminChange(model, action, "applied");
            return new AdminChangeResult(200, null, experiment.Name, before, weights, published.Revision, persisted);
        }
        finally
        {
            _gate.Release();
        }

        AdminChangeResult Refuse(int status, string reason, long revision = 0)
        {
            // The model (from the URL) and the reason (naming groups from the body) are the client's text.
            RoutingLog.AuditRefused(_logger, who, action, Proxy.HeaderSafeText.Escape(model), Proxy.HeaderSafeText.Escape(reason, Proxy.HeaderSafeText.MaxReasonLength));
            _metrics.AdminChange(model, action, "refused");
            return AdminChangeResult.Refused(status, reason, revision);
        }
    }

    private RoutingSnapshot Publish(RouterConfig config, string reason)
    {
        var models = new Dictionary<string, ModelRoute>(StringComparer.Ordinal);
        foreach (var model in config.Models.Values)
        {
            var versions = new Dictionary<string, VersionPool>(StringComparer.Ordinal);
            foreach (var version in model.Versions.Keys)
            {
                versions.Add(version, _pools[(model.Name, version)]);
            }

            var fromAdmin = _overrides.TryGetValue(model.Name, out var entry);
            IReadOnlyDictionary<string, decimal> weights = fromAdmin
                ? entry!.Weights
                : model.Experiment.Groups.ToDictionary(g => g.Name, g => g.Weight);
            var experiment = new ExperimentRoute(model.Experiment, weights, versions, fromAdmin, fromAdmin ? entry!.Rollback : null);
            models.Add(model.Name, new ModelRoute(model, versions, experiment));
        }

        var snapshot = new RoutingSnapshot(++_revision, config, models);
        Volatile.Write(ref _snapshot, snapshot);
        _upstreams.Commit(config, _pools.Values);
        _changes.Notify();
        RoutingLog.Published(_logger, snapshot.Revision, reason);
        return snapshot;
    }

    /// <summary>
    /// Writes the admin weights to the state file: true when written, false when that failed (the
    /// change stays applied in memory: a rollback must never be blocked by a full disk), null
    /// without a state file.
    /// </summary>
    private bool? Save()
    {
        if (_store is null)
        {
            return null;
        }

        try
        {
            _store.Save(_overrides);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RoutingLog.StateSaveFailed(_logger, _store.Path, ex);
            _metrics.StateSaveFailed();
            return false;
        }
    }

    internal static string Format(IReadOnlyDictionary<string, decimal> weights) =>
        "{" + string.Join(",", weights.Select(w => $"{w.Key}:{w.Value.ToString("0.############################", CultureInfo.InvariantCulture)}")) + "}";

    public void Dispose() => _gate.Dispose();
}
