using System.Globalization;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Output;

/// <summary>The human-readable set or rollback: one line per instance, then what it adds up to.</summary>
internal static class ChangeText
{
    public static async Task WriteAsync(ChangeReport report, TextWriter output)
    {
        var what = report.Requested is null ? "" : " " + WeightsText.Format(report.Requested);
        await output.WriteLineAsync($"{report.Command} {report.Model}{what}{(report.DryRun ? " (dry run: nothing is changed)" : "")}");
        var width = report.Instances.Max(i => i.Instance.Length);
        foreach (var instance in report.Instances)
        {
            await output.WriteLineAsync($"{instance.Instance.PadRight(width)}  {Label(instance.Outcome),-12}  {Detail(instance)}");
        }

        if (report.Diverged is { } diverged)
        {
            await output.WriteLineAsync($"DIVERGED {diverged.Model}: the instances {(report.DryRun ? "would" : "do")} not end with the same weights");
            foreach (var seen in diverged.Instances)
            {
                await output.WriteLineAsync($"  {seen.Instance.PadRight(width)}  experiment {seen.Experiment}  {WeightsText.Format(seen.Weights)}");
            }
        }

        var total = report.Instances.Count;
        if (report.Failed > 0)
        {
            await output.WriteLineAsync($"NOT DONE everywhere: {report.Failed} of {total} instance(s) not changed (FAILED or CONFLICT above)");
        }
        else if (!report.DryRun)
        {
            await output.WriteLineAsync($"done on {(total == 1 ? "the only instance" : $"all {total} instances")}");
        }
    }

    private static string Label(ChangeOutcome outcome) => outcome switch
    {
        ChangeOutcome.Applied => "applied",
        ChangeOutcome.Unchanged => "unchanged",
        ChangeOutcome.WouldChange => "would change",
        ChangeOutcome.Conflict => "CONFLICT",
        _ => "FAILED",
    };

    private static string Detail(InstanceChange change)
    {
        var attempts = change.Attempts > 1 ? $"  (after {change.Attempts} attempts)" : "";
        return change.Outcome switch
        {
            ChangeOutcome.Applied =>
                $"{WeightsText.Format(change.Before)} -> {WeightsText.Format(change.After)}  revision {Revisions(change)}  persisted {Persisted(change.Persisted)}{attempts}",
            ChangeOutcome.Unchanged => $"already {WeightsText.Format(change.After)}  revision {Number(change.Revision)}",
            ChangeOutcome.WouldChange => $"{WeightsText.Format(change.Before)} -> {WeightsText.Format(change.After)}  at revision {Number(change.Revision)}",
            _ => change.Error + attempts,
        };
    }

    private static string Revisions(InstanceChange change) =>
        change.RevisionBefore is { } before ? $"{Number(before)} -> {Number(change.Revision)}" : Number(change.Revision);

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Persisted(bool? persisted) => persisted switch
    {
        true => "yes",
        false => "NO (applied, but lost if the instance restarts)",
        null => "n.a.",
    };
}
