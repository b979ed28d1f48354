using System.Net;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Publish;

/// <summary>What the container images contain works: the published executables serve and route.</summary>
[Collection(PublishCollection.Name)]
public sealed class PublishTests(PublishedApps apps)
{
    [Fact]
    public void Publish_Succeeds_WithTheNativeLibraryAndBothExecutables()
    {
        Assert.True(apps.ModelServer.ExitCode == 0, "model server publish failed:\n" + apps.ModelServer.Output);
        Assert.True(apps.Router.ExitCode == 0, "router publish failed:\n" + apps.Router.Output);
        // ONNX Runtime's native library from its NuGet package, for the Linux platforms the services run on only.
        foreach (var platform in new[] { "linux-x64", "linux-arm64" })
        {
            Assert.True(File.Exists(Path.Combine(apps.ModelServerDirectory, "runtimes", platform, "native", "libonnxruntime.so")),
                $"libonnxruntime.so for {platform} is not in the published model server");
        }

        Assert.Equal(["linux-arm64", "linux-x64"], Directory.GetDirectories(Path.Combine(apps.ModelServerDirectory, "runtimes")).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(Path.Combine(apps.ModelServerDirectory, "Inference.ModelServer.dll")));
        Assert.True(File.Exists(Path.Combine(apps.ModelServerDirectory, "Inference.ModelServer.runtimeconfig.json")));
        Assert.True(File.Exists(Path.Combine(apps.RouterDirectory, "Inference.Router.dll")));
        Assert.True(File.Exists(Path.Combine(apps.RouterDirectory, "Yarp.ReverseProxy.dll")));
        // UseAppHost=false: the images start them with `dotnet <dll>`, no native launcher.
        Assert.False(File.Exists(Path.Combine(apps.ModelServerDirectory, "Inference.ModelServer")));
        Assert.False(File.Exists(Path.Combine(apps.RouterDirectory, "Inference.Router")));
    }

    [Fact]
    public async Task PublishedModelServer_IsReady_AndAnswers_AndThePublishedRouterRoutesToIt()
    {
        Assert.True(apps.ModelServer.ExitCode == 0 && apps.Router.ExitCode == 0, "publish failed:\n" + apps.ModelServer.Output + "\n" + apps.Router.Output);
        await using var server = await ModelServerProcess.StartAsync("2", Path.Combine(apps.ModelServerDirectory, "Inference.ModelServer.dll"));

        using var ready = await server.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var direct = await server.Client.ModelInferAsync(IrisCalls.Request(0, 10));
        Assert.Equal("2", direct.Message.ModelVersion);
        Assert.Equal("2", IrisCalls.VersionOfOutputs(direct.Message, 0));

        await using var router = await RouterProcess.StartAsync(RouterConfigFile.Single("2", [server.Endpoint]), Path.Combine(apps.RouterDirectory, "Inference.Router.dll"));
        var routed = await router.Client.ModelInferAsync(IrisCalls.Request(3, 5));

        Assert.Equal(("iris", "2", "default", "default"), (routed.Tags.ModelName, routed.Tags.ModelVersion, routed.Tags.Experiment, routed.Tags.ExperimentGroup));
        Assert.Equal("2", routed.Message.ModelVersion);
        Assert.Equal("2", IrisCalls.VersionOfOutputs(routed.Message, 3));
    }
}
