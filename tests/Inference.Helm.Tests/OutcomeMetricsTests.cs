using Inference.Helm.Tests.Support;
using Inference.Router.Configuration;

namespace Inference.Helm.Tests;

/// <summary>An experiment's outcome metrics reach router.json, and the schema refuses a kind the router does not know.</summary>
public sealed class OutcomeMetricsTests
{
    private static string Gateway => Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml");

    [PeerFact(Peers.GoRenderer)]
    public async Task DeclaredMetrics_ReachRouterJson()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            """
            models:
              iris:
                experiment:
                  metrics:
                    - { name: clicked, kind: boolean }
                    - { name: revenue, kind: number }
            """,
            Gateway);

        var config = RouterConfigParser.Parse(RouterTests.RouterJson(chart));

        Assert.Equal(
            [new OutcomeMetricConfig("clicked", OutcomeMetricKind.Boolean), new OutcomeMetricConfig("revenue", OutcomeMetricKind.Number)],
            config.Models["iris"].Experiment.Metrics);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task AnUnknownKind_IsRefusedByTheSchema()
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(
            "models:\n  iris:\n    experiment:\n      metrics:\n        - { name: clicked, kind: count }\n", Gateway));

        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
    }
}
