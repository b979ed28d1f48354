using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Routing;

/// <summary>The experiment split over real model servers, and whether every tag tells the truth.</summary>
[Collection(StackCollection.Name)]
public sealed class SplitTests(IrisStack stack)
{
    private const int Calls = 400;

    [Fact]
    public void ReferenceOutputs_OfTheTwoVersions_DifferOnEveryRow()
    {
        // The truthfulness checks below tell versions apart by their outputs: that only works if no row agrees.
        var v1 = IrisExpected.For("1");
        var v2 = IrisExpected.For("2");
        for (var row = 0; row < v1.Rows; row++)
        {
            Assert.False(v1.Matches(row, v2.Probabilities[row], [v2.Labels[row]]), $"row {row} of v2 passes as v1");
            Assert.False(v2.Matches(row, v1.Probabilities[row], [v1.Labels[row]]), $"row {row} of v1 passes as v2");
            Assert.True(v1.Matches(row, v1.Probabilities[row], [v1.Labels[row]]));
        }
    }

    [Fact]
    public async Task DistinctUsers_ReachBothVersionsByTheContract_WithTruthfulTags()
    {
        var v1Before = await stack.V1.InferOkCountAsync();
        var v2Before = await stack.V2.InferOkCountAsync();
        var routerBefore = await stack.Router.ScrapeAsync();

        await using var load = new LoadRun(stack.Router.Client, callers: 6, LoadRun.StickyUsers, limit: Calls);
        await load.WaitForCompletedAsync(Calls);
        var records = await load.StopAsync();

        Assert.Equal(Calls, records.Count);
        foreach (var record in records)
        {
            // Tags present, and the version tag equals both the server's own model_version and the version whose
            // reference outputs came back.
            Assert.True(record.Truthful, record.ToString());
            Assert.Equal(RouterConfigFile.Experiment, record.Tags.Experiment);
            var group = Assignment.Group(record.Key, IrisStack.Split);
            Assert.True(group == record.Tags.ExperimentGroup, $"expected group {group}: {record}");
            Assert.Equal(Assignment.VersionOf(group), record.Tags.ModelVersion);
        }

        var treatment = records.Count(r => r.Tags.ModelVersion == "2");
        // 10 % of 400 is 40; the keys are fixed, so this is about the hash spreading users, generously.
        Assert.InRange(treatment, 20, 70);

        // Each model server counted exactly the calls tagged with its version, and so did the router.
        await Wait.CountAsync(Calls - treatment, async () => await stack.V1.InferOkCountAsync() - v1Before, "v1 server's ModelInfer OK count");
        await Wait.CountAsync(treatment, async () => await stack.V2.InferOkCountAsync() - v2Before, "v2 server's ModelInfer OK count");
        await Wait.CountAsync(treatment, () => RouterDeltaAsync(routerBefore, "treatment", "2"), "router's treatment count");
        await Wait.CountAsync(Calls - treatment, () => RouterDeltaAsync(routerBefore, "control", "1"), "router's control count");

        // The router compared every answer's x-model-version with the version it chose.
        var router = await stack.Router.ScrapeAsync();
        Assert.Equal(0, router.Sum("router_version_mismatch_total"));
    }

    [Fact]
    public async Task MiswiredEndpoint_IsCaughtByTheMismatchCounter_AndTheMessageSaysWhoAnswered()
    {
        // The zero above means something only if a real mismatch is counted: point version 1 at the v2 server.
        await using var router = await RouterProcess.StartAsync(RouterConfigFile.Iris([stack.V2.Endpoint], [stack.V1.Endpoint], 50, 50));

        var response = await router.Client.ModelInferAsync(IrisCalls.Request(0, 10),
            Inference.Testing.OipTestClient.With(new Grpc.Core.Metadata { { "x-experiment-group", "control" } }));

        // The tag tells the truth: version 2 served the call (its own answer and the outputs agree); the group stays as assigned.
        Assert.Equal(("2", "control"), (response.Tags.ModelVersion, response.Tags.ExperimentGroup));
        Assert.Equal("2", response.Message.ModelVersion);
        Assert.Equal("2", IrisCalls.VersionOfOutputs(response.Message, 0));
        await Wait.CountAsync(1, async () => (await router.ScrapeAsync()).Sum("router_version_mismatch_total", ("model", "iris"), ("expected", "1"), ("actual", "2")), "mismatches counted");
    }

    private async Task<double> RouterDeltaAsync(PrometheusScrape before, string group, string version)
    {
        (string, string)[] labels = [("model", "iris"), ("experiment", RouterConfigFile.Experiment), ("group", group), ("version", version), ("grpc_code", "OK")];
        var after = await stack.Router.ScrapeAsync();
        return after.Sum("router_requests_total", labels) - before.Sum("router_requests_total", labels);
    }
}
