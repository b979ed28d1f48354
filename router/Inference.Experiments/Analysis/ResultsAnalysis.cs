using Inference.Experiments.Admin;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Analysis;

/// <summary>Turns the added-up statistics of an experiment into the report's estimates, comparisons and checks.</summary>
internal static class ResultsAnalysis
{
    /// <summary>Numbers: below this many outcomes in a group the t interval leans on normality the data may not have.</summary>
    public const long MinNumberCount = 30;

    /// <summary>Booleans: the normal approximation wants at least this many successes and as many failures.</summary>
    public const long MinRateEvents = 10;

    public static IReadOnlyList<MetricReport> Metrics(ResultsView total)
    {
        var control = total.Control is { } name && total.Groups.ContainsKey(name) ? name : total.Groups.Keys.First();
        var names = total.Groups.Values.SelectMany(g => g.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
        var reports = new List<MetricReport>();
        foreach (var metric in names)
        {
            var boolean = total.Groups.Values.Any(g => g.Metrics.TryGetValue(metric, out var m) && m.IsBoolean);
            var empty = new MetricResultsView(0, boolean ? "boolean" : "number", 0);
            var baseline = total.Groups[control].Metrics.GetValueOrDefault(metric) ?? empty;
            var groups = new List<MetricGroupReport>();
            foreach (var (group, results) in total.Groups)
            {
                var values = results.Metrics.GetValueOrDefault(metric) ?? empty;
                groups.Add(boolean ? Rate(group, values, group == control ? null : baseline) : Mean(group, values, group == control ? null : baseline));
            }

            reports.Add(new MetricReport(metric, boolean ? "boolean" : "number", groups));
        }

        return reports;
    }

    private static MetricGroupReport Mean(string group, MetricResultsView values, MetricResultsView? control)
    {
        var sample = new Moments(values.Count, values.Sum, values.SumSquares);
        var estimate = NumberTests.Mean(sample);
        ComparisonReport? comparison = null;
        if (control is not null && control.Count >= 2 && values.Count >= 2)
        {
            comparison = Report(NumberTests.Welch(new Moments(control.Count, control.Sum, control.SumSquares), sample));
        }

        var small = values.Count < MinNumberCount || (control is not null && control.Count < MinNumberCount);
        return new MetricGroupReport
        {
            Group = group,
            N = values.Count,
            Value = Finite(estimate.Value),
            Low = Finite(estimate.Low),
            High = Finite(estimate.High),
            VersusControl = comparison,
            Warning = small ? $"n too small: at least {MinNumberCount} outcomes per group are needed to trust the test" : null,
        };
    }

    private static MetricGroupReport Rate(string group, MetricResultsView values, MetricResultsView? control)
    {
        var successes = values.Successes ?? 0;
        var estimate = RateTests.Rate(values.Count, successes);
        ComparisonReport? comparison = null;
        if (control is not null && control.Count > 0 && values.Count > 0)
        {
            comparison = Report(RateTests.Compare(control.Count, control.Successes ?? 0, values.Count, successes));
        }

        var small = TooFew(values) || (control is not null && TooFew(control));
        return new MetricGroupReport
        {
            Group = group,
            N = values.Count,
            Successes = successes,
            Value = Finite(estimate.Value),
            Low = Finite(estimate.Low),
            High = Finite(estimate.High),
            VersusControl = comparison,
            Warning = small ? $"n too small: at least {MinRateEvents} successes and {MinRateEvents} failures per group are needed to trust the test" : null,
        };
    }

    private static bool TooFew(MetricResultsView values) =>
        (values.Successes ?? 0) < MinRateEvents || values.Count - (values.Successes ?? 0) < MinRateEvents;

    /// <summary>The sample-ratio check of the assigned counts against <paramref name="weights"/>.</summary>
    /// <param name="unjudged">Why the check cannot be judged whatever its value (weights changed, instances differ); null if it can.</param>
    public static (IReadOnlyList<GroupAssignment> Groups, SampleRatioReport Check) SampleRatio(ResultsView total, IReadOnlyDictionary<string, decimal> weights, string? unjudged)
    {
        var names = total.Groups.Keys.ToList();
        var assigned = names.Select(n => total.Groups[n].Assigned).ToList();
        var shares = names.Select(n => weights.GetValueOrDefault(n)).ToList();
        var (chi, df, p, expected) = SampleRatioTest.Check(assigned, shares);
        var groups = names.Select((n, i) => new GroupAssignment(n, shares[i], assigned[i], expected[i])).ToList();
        var offWeight = names.Where((n, i) => shares[i] == 0 && assigned[i] > 0).ToList();
        string? note = unjudged;
        if (note is null && df < 1)
        {
            note = "fewer than two groups with weight: nothing to compare";
        }
        else if (note is null && expected.Any(e => e > 0 && e < SampleRatioTest.MinExpected))
        {
            note = $"too few requests: every group should expect at least {SampleRatioTest.MinExpected} before the split can be judged";
        }

        if (note is not null)
        {
            return (groups, new SampleRatioReport(Finite(chi), df, Finite(p), false, null, note));
        }

        var mismatch = p < SampleRatioTest.Threshold || offWeight.Count > 0;
        var why = offWeight.Count > 0
            ? $"group(s) {string.Join(", ", offWeight)} have weight 0 but were assigned requests"
            : mismatch ? $"the assigned counts do not fit the weights (p < {SampleRatioTest.Threshold}): assignment or logging is broken, distrust the comparisons" : null;
        return (groups, new SampleRatioReport(chi, df, p, true, mismatch, why));
    }

    private static ComparisonReport Report(Comparison comparison) => new(
        Finite(comparison.Difference.Value),
        Finite(comparison.Difference.Low),
        Finite(comparison.Difference.High),
        Finite(comparison.Lift.Value),
        Finite(comparison.Lift.Low),
        Finite(comparison.Lift.High),
        Finite(comparison.PValue),
        comparison.DegreesOfFreedom,
        comparison.Test);

    // JSON has no NaN: an undefined value (no data, no spread) is null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
