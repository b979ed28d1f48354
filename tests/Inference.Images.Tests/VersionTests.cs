using Inference.Images.Tests.Infrastructure;

namespace Inference.Images.Tests;

/// <summary>
/// One version for the product: &lt;Version&gt; in Directory.Build.props is the chart's appVersion, the tag
/// build.sh gives the images and the tag the chart deploys by default (the built images' labels and
/// assemblies: <see cref="ImageContentTests"/>).
/// </summary>
public sealed class VersionTests
{
    [Fact]
    public void Chart_AppVersion_IsTheProductVersion()
    {
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+", ProductVersion.Value);
        Assert.Equal(ProductVersion.Value, ProductVersion.ChartAppVersion);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Chart_DefaultImages_AreTheTagsBuildShMakes()
    {
        Peers.Require(Peers.GoRenderer);
        foreach (var registry in new[] { "", "registry.example.com/ml" })
        {
            var built = await PrintedImagesAsync(registry);
            var deployed = await DeployedImagesAsync(registry);

            Assert.Equal($"{(registry.Length > 0 ? registry + "/" : "")}inference/modelserver:{ProductVersion.Value}", built["modelserver"]);
            Assert.Equal($"{(registry.Length > 0 ? registry + "/" : "")}inference/router:{ProductVersion.Value}", built["router"]);
            Assert.Equal(built["modelserver"], deployed["model-server"]);
            Assert.Equal(built["router"], deployed["router"]);
        }
    }

    private static async Task<Dictionary<string, string>> PrintedImagesAsync(string registry)
    {
        var result = await ChildProcess.RunAsync(
            "bash", [RepoPaths.File("helm", "docker", "build.sh"), "--print", .. registry.Length > 0 ? new[] { "--registry", registry } : []]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>The image of each container the chart renders for a downloaded model (so the model server image is the chart's own).</summary>
    private static async Task<Dictionary<string, string>> DeployedImagesAsync(string registry)
    {
        using var directory = new TempDirectory("version-values");
        var values = directory.File("values.yaml");
        await File.WriteAllTextAsync(values, $$$"""
            modelServer: {image: {registry: "{{{registry}}}"}}
            router: {image: {registry: "{{{registry}}}"}}
            models:
              iris:
                experiment: {name: iris-one-version, control: control, groups: [{name: control, version: "1", weight: 100}]}
                versions:
                  "1":
                    artifact:
                      download: {url: "https://models.example.com/iris.onnx", sha256: "{{{new string('0', 64)}}}"}
            """);
        var chart = await HelmTemplate.RenderAsync(RepoPaths.Chart, "prod", "ml", [values]);
        return chart["manifests"]!.AsArray()
            .Select(m => m!["object"]!)
            .Where(o => o["kind"]!.GetValue<string>() == "Deployment")
            .SelectMany(o => o["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["image"]!.GetValue<string>());
    }
}
