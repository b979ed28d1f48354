using Inference.Experiments.Commands;
using Inference.Experiments.Reports;

namespace Inference.Experiments.Tests.Unit;

public sealed class DivergenceTests
{
    private static Dictionary<string, decimal> Weights(params (string Group, decimal Weight)[] weights) =>
        weights.ToDictionary(w => w.Group, w => w.Weight);

    [Fact]
    public void Check_SameWeightsInAnotherOrderAndScale_Agree()
    {
        var observations = new[]
        {
            new ModelObservation("a", "rollout", Weights(("control", 50m), ("treatment", 50m))),
            new ModelObservation("b", "rollout", Weights(("treatment", 50.0m), ("control", 50.00m))),
        };

        Assert.Null(Divergence.Check("iris", observations));
    }

    [Fact]
    public void Check_OneWeightDiffers_ReportsEveryInstance()
    {
        var observations = new[]
        {
            new ModelObservation("a", "rollout", Weights(("control", 90m), ("treatment", 10m))),
            new ModelObservation("b", "rollout", Weights(("control", 90m), ("treatment", 10.5m))),
            new ModelObservation("c", "rollout", Weights(("control", 90m), ("treatment", 10m))),
        };

        var diverged = Divergence.Check("iris", observations);

        Assert.NotNull(diverged);
        Assert.Equal("iris", diverged.Model);
        Assert.Equal(["a", "b", "c"], diverged.Instances.Select(i => i.Instance));
    }

    [Fact]
    public void Check_OtherExperimentNameOrMissingModel_Diverges()
    {
        var weights = Weights(("control", 90m), ("treatment", 10m));

        Assert.NotNull(Divergence.Check("iris", [new("a", "rollout", weights), new("b", "rollout-2", weights)]));
        Assert.NotNull(Divergence.Check("iris", [new("a", "rollout", weights), new("b", null, null)]));
        Assert.NotNull(Divergence.Check("iris", [new("a", "rollout", weights), new("b", "rollout", Weights(("control", 90m)))]));
    }
}
