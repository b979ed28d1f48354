using Inference.Experiments.Admin;
using Inference.Experiments.Analysis;
using Inference.Experiments.Cli;
using Inference.Experiments.Reports;
using Inference.Experiments.Targets;

namespace Inference.Experiments.Commands;

/// <summary><c>results &lt;model&gt;</c>: reads every instance's statistics, adds them up, and tests them.</summary>
internal sealed class ResultsCommand(AdminClient client)
{
    public async Task<ResultsReport> RunAsync(IReadOnlyList<AdminTarget> targets, string model, CancellationToken cancellationToken)
    {
        var reads = await Task.WhenAll(targets.Select(target => ReadAsync(target, model, cancellationToken)));
        var instances = reads.Select(r => r.Instance).ToList();
        var answered = reads.Where(r => r.View is not null).Select(r => (r.Instance.Instance, View: r.View!)).ToList();
        var failed = instances.Count(i => i.Error is not null);
        if (answered.Count == 0)
        {
            return new ResultsReport { Model = model, Instances = instances, Failed = failed, Groups = [], Metrics = [], ExitCode = ExitCodes.InstanceFailed };
        }

        // Statistics of different experiments cannot be added: the experiment most instances run is reported.
        var experiment = answered.GroupBy(a => a.View.Experiment).OrderByDescending(g => g.Count()).First().Key;
        var same = answered.Where(a => a.View.Experiment == experiment).ToList();
        string? diverged = null;
        if (same.Count < answered.Count)
        {
            diverged = $"instance(s) {string.Join(", ", answered.Where(a => a.View.Experiment != experiment).Select(a => $"{a.Instance} ({a.View.Experiment})"))} run another experiment: left out";
        }

        var weights = same[0].View.Weights ?? [];
        var weightsDiffer = same.Any(a => !SameWeights(a.View.Weights ?? [], weights));
        if (weightsDiffer)
        {
            diverged = (diverged is null ? "" : diverged + "; ") + "the instances hold different weights";
        }

        var total = Add(same.Select(a => a.View).ToList());
        var changedAt = same.Select(a => a.View.WeightsChangedAt).Max();
        string? unjudged = weightsDiffer
            ? "the instances hold different weights: no single ratio to check against"
            : changedAt is { } at
                ? $"the weights changed during the experiment (last at {at:u}): the assigned counts mix splits and cannot be checked against one ratio; start a new experiment name to check again"
                : null;
        var (groups, check) = ResultsAnalysis.SampleRatio(total, weights, unjudged);
        return new ResultsReport
        {
            Model = model,
            Experiment = experiment,
            Control = total.Control,
            StartedAt = same.Select(a => a.View.StartedAt).Min(),
            Weights = weights,
            WeightsChangedAt = changedAt,
            Instances = instances,
            Failed = failed,
            Diverged = diverged,
            Groups = groups,
            SampleRatio = check,
            Metrics = ResultsAnalysis.Metrics(total),
            ExitCode = ExitCodes.For(failed, diverged is not null),
        };
    }

    /// <summary>Adds the instances' counts, sums and sums of squares group by group and metric by metric.</summary>
    public static ResultsView Add(IReadOnlyList<ResultsView> views)
    {
        var groups = new Dictionary<string, GroupResultsView>(StringComparer.Ordinal);
        foreach (var view in views)
        {
            foreach (var (name, group) in view.Groups)
            {
                var sum = groups.GetValueOrDefault(name) ?? new GroupResultsView(0, new Dictionary<string, MetricResultsView>(StringComparer.Ordinal));
                var metrics = new Dictionary<string, MetricResultsView>(sum.Metrics, StringComparer.Ordinal);
                foreach (var (metric, values) in group.Metrics)
                {
                    metrics[metric] = metrics.TryGetValue(metric, out var so)
                        ? new MetricResultsView(
                            so.Count + values.Count,
                            so.Kind ?? values.Kind,
                            so.Successes is null && values.Successes is null ? null : (so.Successes ?? 0) + (values.Successes ?? 0),
                            so.Sum + values.Sum,
                            so.SumSquares + values.SumSquares)
                        : values;
                }

                groups[name] = new GroupResultsView(sum.Assigned + group.Assigned, metrics);
            }
        }

        return new ResultsView(views[0].Experiment, groups, views[0].Control, views.Min(v => v.StartedAt), views[0].Weights, views.Max(v => v.WeightsChangedAt));
    }

    private static bool SameWeights(IReadOnlyDictionary<string, decimal> a, IReadOnlyDictionary<string, decimal> b) =>
        a.Count == b.Count && a.All(w => b.TryGetValue(w.Key, out var other) && other == w.Value);

    private async Task<(ResultsInstance Instance, ResultsView? View)> ReadAsync(AdminTarget target, string model, CancellationToken cancellationToken)
    {
        if (target.Address is null)
        {
            return (new ResultsInstance(target.Name, null, null, target.Problem), null);
        }

        var read = await client.GetResultsAsync(target.Address, model, cancellationToken);
        return read.Succeeded
            ? (new ResultsInstance(target.Name, read.Value.Experiment, null, null), read.Value)
            : (new ResultsInstance(target.Name, null, read.Failure.StatusCode, read.Failure.Describe()), null);
    }
}
