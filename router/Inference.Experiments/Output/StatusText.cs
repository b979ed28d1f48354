using System.Globalization;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Output;

/// <summary>The human-readable <c>status</c>: a block per instance, then DIVERGED or agreement.</summary>
internal static class StatusText
{
    public static async Task WriteAsync(StatusReport report, TextWriter output)
    {
        var width = report.Instances.Max(i => i.Instance.Length);
        foreach (var instance in report.Instances)
        {
            var name = instance.Instance.PadRight(width);
            if (instance.Models is null)
            {
                await output.WriteLineAsync($"{name}  FAILED  {instance.Error}");
                continue;
            }

            var ready = instance.Ready == true ? "ready" : "NOT READY";
            await output.WriteLineAsync($"{name}  revision {instance.Revision?.ToString(CultureInfo.InvariantCulture)}  {ready}");
            if (instance.Error is not null)
            {
                await output.WriteLineAsync($"  FAILED  {instance.Error}");
            }

            var modelWidth = instance.Models.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
            foreach (var (model, status) in instance.Models)
            {
                await output.WriteLineAsync(
                    $"  {model.PadRight(modelWidth)}  experiment {status.Experiment}  {WeightsText.Format(status.Weights)}  (weights from {status.WeightsSource})  endpoints {Endpoints(status.Versions)}");
                if (status.Rollback is { } rollback)
                {
                    await output.WriteLineAsync($"  {"".PadRight(modelWidth)}  ROLLED BACK by {rollback.By} at {rollback.At}: {rollback.Reason}");
                }
            }
        }

        await output.WriteLineAsync();
        foreach (var diverged in report.Diverged)
        {
            await output.WriteLineAsync($"DIVERGED {diverged.Model}: the instances disagree");
            foreach (var seen in diverged.Instances)
            {
                var holds = seen.Experiment is null ? "not configured" : $"experiment {seen.Experiment}  {WeightsText.Format(seen.Weights)}";
                await output.WriteLineAsync($"  {seen.Instance.PadRight(width)}  {holds}");
            }
        }

        var total = report.Instances.Count;
        if (report.Failed > 0)
        {
            await output.WriteLineAsync($"{report.Failed} of {total} instance(s) FAILED: see above");
        }
        else if (report.Diverged.Count == 0)
        {
            await output.WriteLineAsync(total == 1 ? "1 instance read" : $"all {total} instances agree on every model's experiment and weights");
        }
    }

    private static string Endpoints(IReadOnlyDictionary<string, StatusVersion> versions) =>
        string.Join("; ", versions.Select(v =>
        {
            var notes = new List<string>();
            if (v.Value.Healthy < v.Value.Endpoints)
            {
                notes.Add($"{v.Value.Endpoints - v.Value.Healthy} unhealthy");
            }

            if (v.Value.Panic)
            {
                notes.Add("PANIC");
            }

            var text = $"{v.Key}: {v.Value.Available}/{v.Value.Endpoints} available";
            return notes.Count == 0 ? text : $"{text} ({string.Join(", ", notes)})";
        }));
}
