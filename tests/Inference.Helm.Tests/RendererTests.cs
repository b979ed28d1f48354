namespace Inference.Helm.Tests;

/// <summary>The renderer stands in for helm, so its Helm-compatibility tests (render_test.go) run here too.</summary>
public sealed class RendererTests
{
    [PeerFact(Peers.GoRenderer)]
    public async Task Renderer_WhereChartsCanTell_BehavesLikeHelm()
    {
        Peers.Require(Peers.GoRenderer);

        var result = await ChildProcess.RunAsync(
            HelmTemplate.Go!, ["test", "-count=1", "render.go", "render_test.go"], HelmTemplate.GoEnvironment(),
            TimeSpan.FromMinutes(3), RepoPaths.HelmRenderer);

        Assert.True(result.ExitCode == 0, $"go test failed:\n{result.Stdout}\n{result.Stderr}");
        Assert.StartsWith("ok", result.Stdout);
    }
}
