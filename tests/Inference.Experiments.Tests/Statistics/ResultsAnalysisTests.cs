using Inference.Experiments.Admin;
using Inference.Experiments.Analysis;
using Inference.Experiments.Commands;

namespace Inference.Experiments.Tests.Statistics;

/// <summary>What an experimenter reads from the analysis: a real effect is found, no effect is not, a skewed split is caught.</summary>
public sealed class ResultsAnalysisTests
{
    [Fact]
    public void KnownEffect_IsDetected_BothKinds()
    {
        var random = new Random(7);
        var view = View(
            control: (SyntheticSamples.Normal(random, 2000, 20, 8), SyntheticSamples.Bernoulli(random, 2000, 0.10)),
            treatment: (SyntheticSamples.Normal(random, 2000, 21.5, 8), SyntheticSamples.Bernoulli(random, 2000, 0.14)));

        var metrics = ResultsAnalysis.Metrics(view);

        foreach (var metric in metrics)
        {
            var treatment = metric.Groups.Single(g => g.Group == "treatment").VersusControl!;
            Assert.True(treatment.PValue < 0.01, $"{metric.Metric}: p = {treatment.PValue}");
            Assert.True(treatment.DifferenceLow > 0, $"{metric.Metric}: the difference's interval [{treatment.DifferenceLow}, {treatment.DifferenceHigh}] should exclude 0");
            Assert.True(treatment.LiftLow > 0);
            Assert.Null(metric.Groups.Single(g => g.Group == "control").VersusControl);
        }

        Assert.Equal(["revenue", "clicked"], metrics.Select(m => m.Metric));
        Assert.Equal(["number", "boolean"], metrics.Select(m => m.Kind));
    }

    [Fact]
    public void NullEffect_IsNotDetected()
    {
        var random = new Random(11);
        var view = View(
            control: (SyntheticSamples.Normal(random, 2000, 20, 8), SyntheticSamples.Bernoulli(random, 2000, 0.10)),
            treatment: (SyntheticSamples.Normal(random, 2000, 20, 8), SyntheticSamples.Bernoulli(random, 2000, 0.10)));

        foreach (var metric in ResultsAnalysis.Metrics(view))
        {
            var treatment = metric.Groups.Single(g => g.Group == "treatment").VersusControl!;
            Assert.True(treatment.PValue > 0.05, $"{metric.Metric}: p = {treatment.PValue}");
            Assert.True(treatment.DifferenceLow < 0 && treatment.DifferenceHigh > 0);
        }
    }

    [Fact]
    public void SmallGroups_AreWarned()
    {
        var random = new Random(3);
        var view = View(
            control: (SyntheticSamples.Normal(random, 12, 20, 8), SyntheticSamples.Bernoulli(random, 12, 0.5)),
            treatment: (SyntheticSamples.Normal(random, 500, 20, 8), SyntheticSamples.Bernoulli(random, 500, 0.5)));

        foreach (var metric in ResultsAnalysis.Metrics(view))
        {
            Assert.All(metric.Groups, g => Assert.Contains("n too small", g.Warning));
        }
    }

    [Fact]
    public void SkewedAssignment_TripsTheSampleRatioCheck_AndAHealthyOneDoesNot()
    {
        var weights = new Dictionary<string, decimal> { ["control"] = 90, ["treatment"] = 10 };

        var (_, skewed) = ResultsAnalysis.SampleRatio(Assigned(8800, 1200), weights, unjudged: null);
        var (groups, healthy) = ResultsAnalysis.SampleRatio(Assigned(9030, 970), weights, unjudged: null);

        Assert.True(skewed.Judged);
        Assert.True(skewed.Mismatch);
        Assert.True(skewed.PValue < SampleRatioTest.Threshold);
        Assert.True(healthy.Judged);
        Assert.False(healthy.Mismatch);
        Assert.Equal([9000.0, 1000.0], groups.Select(g => g.Expected));
    }

    [Fact]
    public void SampleRatio_AfterAWeightChange_IsNotJudged()
    {
        var weights = new Dictionary<string, decimal> { ["control"] = 50, ["treatment"] = 50 };

        var (_, check) = ResultsAnalysis.SampleRatio(Assigned(8800, 1200), weights, unjudged: "the weights changed");

        Assert.False(check.Judged);
        Assert.Null(check.Mismatch);
        Assert.Equal("the weights changed", check.Note);
    }

    [Fact]
    public void Add_SumsEveryCountOfEveryInstance()
    {
        var first = new ResultsView("exp", new Dictionary<string, GroupResultsView>
        {
            ["control"] = new(10, new() { ["clicked"] = new(4, "boolean", 1), ["revenue"] = new(3, "number", null, 6, 14) }),
        }, "control", DateTimeOffset.UnixEpoch.AddDays(2), new() { ["control"] = 100 });
        var second = new ResultsView("exp", new Dictionary<string, GroupResultsView>
        {
            ["control"] = new(5, new() { ["clicked"] = new(6, "boolean", 4), ["revenue"] = new(2, "number", null, 1.5, 1.25) }),
        }, "control", DateTimeOffset.UnixEpoch, new() { ["control"] = 100 });

        var total = ResultsCommand.Add([first, second]);

        Assert.Equal(15, total.Groups["control"].Assigned);
        Assert.Equal(new MetricResultsView(10, "boolean", 5), total.Groups["control"].Metrics["clicked"]);
        Assert.Equal(new MetricResultsView(5, "number", null, 7.5, 15.25), total.Groups["control"].Metrics["revenue"]);
        Assert.Equal(DateTimeOffset.UnixEpoch, total.StartedAt);
    }

    private static ResultsView Assigned(long control, long treatment) => new("exp", new Dictionary<string, GroupResultsView>
    {
        ["control"] = new(control, []),
        ["treatment"] = new(treatment, []),
    }, "control");

    private static ResultsView View((double[] Revenue, int[] Clicked) control, (double[] Revenue, int[] Clicked) treatment) =>
        new("exp", new Dictionary<string, GroupResultsView>
        {
            ["control"] = Group(control),
            ["treatment"] = Group(treatment),
        }, "control");

    private static GroupResultsView Group((double[] Revenue, int[] Clicked) sample) => new(sample.Revenue.Length, new Dictionary<string, MetricResultsView>
    {
        ["revenue"] = new(sample.Revenue.Length, "number", null, sample.Revenue.Sum(), sample.Revenue.Sum(v => v * v)),
        ["clicked"] = new(sample.Clicked.Length, "boolean", sample.Clicked.Sum()),
    });
}
