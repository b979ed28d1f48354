using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The prediction log switches: off by default; on, the router and the model servers write sampled calls to stdout.</summary>
public sealed class PredictionLogTests
{
    [PeerFact(Peers.GoRenderer)]
    public async Task PredictionLog_IsOffByDefault_AndOnWritesToStdoutAtTheGivenSample()
    {
        var gateway = Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml");
        var off = await ChartRenderer.RenderYamlAsync("{}\n", gateway);
        var on = await ChartRenderer.RenderYamlAsync(
            """
            router:
              predictionLog: { enabled: true, sample: 0.05 }
            modelServer:
              predictionLog: { enabled: true, sample: 1 }
            """,
            gateway);

        Assert.All(Args(off), args => Assert.DoesNotContain("--prediction-log", args));
        var deployments = Args(on).ToList();
        Assert.Contains(deployments, args => Follows(args, "--prediction-log", "-") && Follows(args, "--prediction-log-sample", "0.05"));
        Assert.Contains(deployments, args => Follows(args, "--prediction-log", "-") && Follows(args, "--prediction-log-sample", "1"));
        Assert.All(deployments, args => Assert.Contains("--prediction-log", args));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ASampleOutside0To1_IsRefusedByTheSchema()
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync("router:\n  predictionLog: { enabled: true, sample: 2 }\n"));

        Assert.Contains("sample", error.Message, StringComparison.Ordinal);
    }

    private static bool Follows(IReadOnlyList<string> args, string flag, string value)
    {
        var at = args.ToList().IndexOf(flag);
        return at >= 0 && at + 1 < args.Count && args[at + 1] == value;
    }

    private static IEnumerable<IReadOnlyList<string>> Args(RenderedChart chart) =>
        chart.OfKind("Deployment").Select(d => (IReadOnlyList<string>)d.Spec["template"]!["spec"]!["containers"]!.AsArray()
            .SelectMany(c => c!["args"]?.AsArray().Select(a => a!.GetValue<string>()) ?? [])
            .ToList());
}
