using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The renderer stands in for helm, so its Helm-compatibility tests (render_test.go) run here too.</summary>
public sealed class RendererTests
{
    [HelmFact]
    public async Task Renderer_behaves_like_Helm_where_charts_can_tell()
    {
        if (GoToolchain.Missing is { } missing)
        {
            Assert.Fail(missing);
        }

        var result = await ProcessRunner.RunAsync(
            GoToolchain.FindGo()!, ["test", "-count=1", "render.go", "render_test.go"], RepositoryPaths.RendererFolder,
            ChartRenderer.GoEnvironment(), null, TimeSpan.FromMinutes(3), CancellationToken.None);

        Assert.True(result.ExitCode == 0, $"go test failed:\n{result.StandardOutput}\n{result.StandardError}");
        Assert.StartsWith("ok", result.StandardOutput);
    }
}
