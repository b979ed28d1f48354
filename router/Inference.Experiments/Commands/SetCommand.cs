using Inference.Experiments.Admin;
using Inference.Experiments.Output;
using Inference.Experiments.Reports;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Commands;

/// <summary>
/// <c>set &lt;model&gt; group=weight…</c> on every instance at once: read the instance (weights and
/// revision), then PUT with <c>If-Match</c> on that revision so a change made in between is detected
/// (412) instead of overwritten. One instance's failure never stops the others.
/// </summary>
internal sealed class SetCommand(AdminClient client)
{
    public async Task<ChangeReport> RunAsync(IReadOnlyList<AdminTarget> targets, string model, IReadOnlyList<KeyValuePair<string, decimal>> weights, bool dryRun, bool force, CancellationToken cancellationToken)
    {
        var requested = weights.ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        var instances = await Task.WhenAll(targets.Select(target => SetAsync(target, model, requested, dryRun, force, cancellationToken)));
        return ChangeReports.Create("set", model, instances, dryRun, force, requested);
    }

    private async Task<InstanceChange> SetAsync(AdminTarget target, string model, IReadOnlyDictionary<string, decimal> requested, bool dryRun, bool force, CancellationToken cancellationToken)
    {
        if (target.Address is null)
        {
            return InstanceChange.Failed(target.Name, target.Problem!);
        }

        var read = await client.GetModelsAsync(target.Address, cancellationToken);
        if (!read.Succeeded)
        {
            return InstanceChange.Failed(target.Name, read.Failure.Describe(), read.Failure.StatusCode);
        }

        if (!read.Value.Models.TryGetValue(model, out var current))
        {
            return InstanceChange.Failed(target.Name, $"model '{model}' is not configured on this instance", 404);
        }

        var experiment = current.Experiment;
        var before = experiment.Weights;
        var revision = read.Value.Revision;
        if (requested.Keys.FirstOrDefault(g => !before.ContainsKey(g)) is { } unknown)
        {
            return InstanceChange.Failed(target.Name, $"experiment '{experiment.Name}' has no group '{unknown}' (groups: {string.Join(", ", before.Keys)})", 400);
        }

        var after = before.ToDictionary(w => w.Key, w => requested.TryGetValue(w.Key, out var weight) ? weight : w.Value, StringComparer.Ordinal);
        if (after.Values.Sum() == 0)
        {
            return InstanceChange.Failed(target.Name, $"all weights of experiment '{experiment.Name}' would be zero", 400);
        }

        var planned = new InstanceChange
        {
            Instance = target.Name,
            Outcome = ChangeOutcome.WouldChange,
            Experiment = experiment.Name,
            Before = before,
            After = after,
            RevisionBefore = revision,
            Revision = revision,
        };
        if (before.All(w => after[w.Key] == w.Value))
        {
            return planned with { Outcome = ChangeOutcome.Unchanged };
        }

        if (dryRun)
        {
            return planned;
        }

        var ifMatch = force ? null : read.ETag ?? $"\"{revision}\"";
        var put = await client.SetWeightsAsync(target.Address, model, requested, ifMatch, cancellationToken);
        if (put.Succeeded)
        {
            return planned with
            {
                Outcome = ChangeOutcome.Applied,
                Before = put.Value.Before,
                After = put.Value.After,
                Revision = put.Value.Revision,
                Persisted = put.Value.Persisted,
            };
        }

        return put.Failure.StatusCode == 412
            ? await ConflictAsync(target, model, planned, put.Failure, cancellationToken)
            : InstanceChange.Failed(target.Name, put.Failure.Describe(), put.Failure.StatusCode);
    }

    /// <summary>Someone changed the instance since it was read: re-read it and say what it holds now.</summary>
    private async Task<InstanceChange> ConflictAsync(AdminTarget target, string model, InstanceChange planned, AdminFailure failure, CancellationToken cancellationToken)
    {
        var reread = await client.GetModelsAsync(target.Address!, cancellationToken);
        var now = reread.Succeeded && reread.Value.Models.TryGetValue(model, out var current) ? current.Experiment.Weights : null;
        var revision = reread.Succeeded ? reread.Value.Revision : failure.Revision;
        var held = now is null ? "(could not re-read it)" : WeightsText.Format(now);
        return planned with
        {
            Outcome = ChangeOutcome.Conflict,
            After = now,
            Revision = revision,
            StatusCode = 412,
            Error = $"changed concurrently: read at revision {planned.RevisionBefore}, now at revision {revision} with {held}; not applied (run again to apply on top of it, or --force)",
        };
    }
}
