using System.Globalization;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Output;

/// <summary>The human-readable <c>results</c>: the split and its check, then a table per metric.</summary>
internal static class ResultsText
{
    public static async Task WriteAsync(ResultsReport report, TextWriter output)
    {
        foreach (var instance in report.Instances.Where(i => i.Error is not null))
        {
            await output.WriteLineAsync($"{instance.Instance}  FAILED  {instance.Error}");
        }

        if (report.Experiment is null)
        {
            await output.WriteLineAsync($"no instance answered for model {report.Model}");
            return;
        }

        var read = report.Instances.Count - report.Failed;
        await output.WriteLineAsync($"model {report.Model}  experiment {report.Experiment}  control {report.Control}  since {report.StartedAt:u}  ({read} of {report.Instances.Count} instance(s) added up)");
        if (report.Diverged is not null)
        {
            await output.WriteLineAsync($"DIVERGED: {report.Diverged}");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync("assigned by weight:");
        var width = Math.Max(5, report.Groups.Select(g => g.Group.Length).DefaultIfEmpty(0).Max());
        foreach (var group in report.Groups)
        {
            await output.WriteLineAsync($"  {group.Group.PadRight(width)}  {group.Assigned,10}  expected {F(group.Expected, "0.0"),10}  weight {group.Weight.ToString(CultureInfo.InvariantCulture)}");
        }

        if (report.SampleRatio is { } check)
        {
            var stats = check.ChiSquare is null ? "" : $"chi-square {F(check.ChiSquare, "0.###")}, df {check.DegreesOfFreedom}, p {P(check.PValue)}: ";
            var verdict = !check.Judged ? $"not judged: {check.Note}" : check.Mismatch == true ? $"MISMATCH: {check.Note}" : "ok";
            await output.WriteLineAsync($"sample ratio: {stats}{verdict}");
        }

        foreach (var metric in report.Metrics)
        {
            await output.WriteLineAsync();
            var rate = metric.Kind == "boolean";
            await output.WriteLineAsync($"{metric.Metric} ({metric.Kind}; {(rate ? "rate, Wilson 95% CI; two-proportion z-test" : "mean, t 95% CI; Welch's t-test")})");
            await output.WriteLineAsync($"  {"group".PadRight(width)}  {"n",9}  {(rate ? "rate" : "mean"),10}  {"95% CI",-23}  {"difference vs control [95% CI]",-36}  {"lift [95% CI]",-27}  p-value");
            foreach (var group in metric.Groups)
            {
                var versus = group.VersusControl;
                var difference = versus is null ? "" : $"{S(versus.Difference)} [{S(versus.DifferenceLow)}, {S(versus.DifferenceHigh)}]";
                var lift = versus is null ? "" : $"{Percent(versus.Lift)} [{Percent(versus.LiftLow)}, {Percent(versus.LiftHigh)}]";
                var row = $"  {group.Group.PadRight(width)}  {group.N,9}  {F(group.Value, "0.####"),10}  {$"[{F(group.Low, "0.####")}, {F(group.High, "0.####")}]",-23}  {difference,-36}  {lift,-27}  {(versus is null ? "" : P(versus.PValue))}";
                await output.WriteLineAsync(row.TrimEnd());
                if (group.Warning is not null)
                {
                    await output.WriteLineAsync($"  {"".PadRight(width)}  warning: {group.Warning}");
                }
            }
        }
    }

    private static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string S(double? value) => value is null ? "-" : value.Value.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture);

    private static string Percent(double? value) => value is null ? "-" : (value.Value * 100).ToString("+0.##;-0.##;0", CultureInfo.InvariantCulture) + "%";

    private static string P(double? value) => value switch
    {
        null => "-",
        < 0.0001 => "<0.0001",
        _ => value.Value.ToString("0.####", CultureInfo.InvariantCulture),
    };
}
