using Inference.Experiments.Cli;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Commands;

/// <summary>Totals a set or rollback: how many instances were not changed, and whether the changed ones agree.</summary>
internal static class ChangeReports
{
    public static ChangeReport Create(string command, string model, IReadOnlyList<InstanceChange> instances, bool dryRun = false, bool force = false, IReadOnlyDictionary<string, decimal>? requested = null)
    {
        var failed = instances.Count(i => i.Outcome is ChangeOutcome.Failed or ChangeOutcome.Conflict);
        var settled = instances
            .Where(i => i.Outcome is ChangeOutcome.Applied or ChangeOutcome.Unchanged or ChangeOutcome.WouldChange)
            .Select(i => new ModelObservation(i.Instance, i.Experiment, i.After))
            .ToList();
        var diverged = Divergence.Check(model, settled);
        return new ChangeReport
        {
            Command = command,
            Model = model,
            DryRun = dryRun,
            Force = force,
            Requested = requested,
            Instances = instances,
            Failed = failed,
            Diverged = diverged,
            ExitCode = ExitCodes.For(failed, diverged is not null),
        };
    }
}
