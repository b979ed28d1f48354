using Inference.Helm.Tests.Support;
using Inference.Router.Configuration;

namespace Inference.Helm.Tests;

/// <summary>An experiment's shadow version and guard, from values to router.json, and the mistakes refused at render time.</summary>
public sealed class RolloutValuesTests
{
    private const string Values = """
        models:
          iris:
            experiment:
              name: iris-v2-rollout
              control: control
              groups:
                - {name: control, version: "1", weight: 90}
                - {name: treatment, version: "2", weight: 10}
              SHADOW
              guard: {windowSeconds: 30, minRequests: 50, maxErrorRateIncrease: 0.05, maxP99LatencyRatio: 3}
            versions:
              "1": {replicas: 1, artifact: {image: {repository: inference/modelserver-iris, tag: "1"}}}
              "2": {replicas: 1, artifact: {image: {repository: inference/modelserver-iris, tag: "2"}}}
              "3": {replicas: 1, artifact: {image: {repository: inference/modelserver-iris, tag: "3"}}}

        """;

    private static string With(string shadow) => Values.Replace("SHADOW", shadow, StringComparison.Ordinal);

    [PeerFact(Peers.GoRenderer)]
    public async Task ShadowAndGuard_InValues_ReachRouterJsonAsTheRouterReadsThem()
    {
        var chart = await ChartRenderer.RenderYamlAsync(With("shadow: {version: \"3\", percent: 25, absoluteTolerance: 0.001, relativeTolerance: 0}"));

        var experiment = RouterConfigParser.Parse(RouterTests.RouterJson(chart)).Models["iris"].Experiment;
        Assert.Equal(new ShadowConfig { Version = "3", Percent = 25, AbsoluteTolerance = 0.001, RelativeTolerance = 0 }, experiment.Shadow);
        Assert.Equal(new GuardConfig { Window = TimeSpan.FromSeconds(30), MinRequests = 50, MaxErrorRateIncrease = 0.05, MaxP99LatencyRatio = 3 }, experiment.Guard);
        // The shadow version is deployed like any version, though no group sends to it.
        Assert.Contains(chart.OfKind("Deployment"), d => d.Name.EndsWith("-iris-v3", StringComparison.Ordinal));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ShadowVersion_NotDeployed_FailsRendering()
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(With("shadow: {version: \"4\", percent: 10}")));

        Assert.Contains("models.iris.experiment.shadow.version: \"4\" is not in models.iris.versions (1, 2, 3)", error.Message, StringComparison.Ordinal);
    }

    [PeerTheory(Peers.GoRenderer)]
    [InlineData("shadow: {version: \"3\", percent: 150}", "percent")]
    [InlineData("shadow: {version: \"3\"}", "percent")]
    [InlineData("shadow: {version: \"3\", percent: 10, absoluteTolerance: -1}", "absoluteTolerance")]
    [InlineData("shadow: {version: \"3\", percent: 10, mirror: true}", "mirror")]
    public async Task ShadowValues_Mistaken_FailTheSchema(string shadow, string reason)
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(With(shadow)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task GuardWindow_TooShort_FailsTheSchema()
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() =>
            ChartRenderer.RenderYamlAsync(With("").Replace("windowSeconds: 30", "windowSeconds: 5", StringComparison.Ordinal)));

        Assert.Contains("windowSeconds", error.Message, StringComparison.Ordinal);
    }
}
