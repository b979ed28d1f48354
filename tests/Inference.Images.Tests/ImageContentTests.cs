using System.Diagnostics;
using System.Reflection;
using Inference.Images.Tests.Infrastructure;

namespace Inference.Images.Tests;

/// <summary>What the built images are: whom they run as, what, with which labels and version, and how big.</summary>
[Collection(ImagesCollection.Name)]
public sealed class ImageContentTests(BuiltImages images, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [ImageFact]
    public async Task ServerImages_Entrypoint_RunsTheAssemblyAs10001OnTheChartsPorts()
    {
        ImagePeers.Require();
        foreach (var (role, assembly, ports) in new[]
        {
            ("modelserver", "Inference.ModelServer.dll", new[] { "8001/tcp", "8002/tcp" }),
            ("router", "Inference.Router.dll", ["8080/tcp", "8081/tcp"]),
        })
        {
            var config = await Buildah.InspectAsync(images.Image(role));

            Assert.Equal($"{ProcessAssert.ChartUser}:{ProcessAssert.ChartUser}", config.User);
            Assert.Equal(["dotnet", $"/app/{assembly}"], config.Entrypoint);
            Assert.Equal(ports, config.ExposedPorts);
            // The base image's default listener (ASPNETCORE_HTTP_PORTS=8080) is turned off: the flags name the ports.
            Assert.Equal("", config.Environment["ASPNETCORE_HTTP_PORTS"]);
            // docker run's health check asks the HTTP (model server) or admin (router) port.
            Assert.Contains($"/dev/tcp/127.0.0.1/{ports[1].Split('/')[0]}", string.Join(' ', config.Healthcheck ?? []), StringComparison.Ordinal);
        }
    }

    [ImageFact]
    public async Task Images_ProductVersion_IsInTagLabelsAndAssemblies()
    {
        ImagePeers.Require();
        var revision = (await ChildProcess.RunAsync("git", ["-C", RepoPaths.Root, "rev-parse", "HEAD"])).Stdout.Trim();
        var modelServer = await images.ModelServerAsync();
        var stack = await images.StackAsync();

        foreach (var (role, container, assembly) in new[]
        {
            ("modelserver", modelServer.Container, "Inference.ModelServer.dll"),
            ("router", stack.Router, "Inference.Router.dll"),
        })
        {
            var labels = container.Config.Labels;
            Assert.EndsWith($"/inference/{role}:{ProductVersion.Value}", images.Image(role), StringComparison.Ordinal);
            Assert.Equal($"inference-{role}", labels["org.opencontainers.image.title"]);
            Assert.Equal(ProductVersion.Value, labels["org.opencontainers.image.version"]);
            Assert.Equal(revision, labels["org.opencontainers.image.revision"]);
            var file = ProcessAssert.FileInRoot(container.Pid, "app", assembly);
            Assert.Equal(ProductVersion.Value, AssemblyName.GetAssemblyName(file).Version!.ToString(3));
            Assert.Equal(ProductVersion.Value, FileVersionInfo.GetVersionInfo(file).ProductVersion!.Split('+')[0]);
        }
    }

    [ImageFact]
    public async Task ModelImages_Layers_AddOnlyTheModelToTheModelServerImage()
    {
        ImagePeers.Require();
        var server = await Buildah.InspectAsync(images.Image("modelserver"));
        foreach (var version in new[] { 1, 2 })
        {
            var image = await Buildah.InspectAsync(images.Image($"iris-{version}"));
            var model = new FileInfo(RepoPaths.IrisModel(version)).Length;

            Assert.Equal(server.User, image.User);
            Assert.Equal(server.Entrypoint, image.Entrypoint);
            Assert.Equal(("iris", $"{version}", images.Image("modelserver")), (
                image.Labels["org.opencontainers.image.title"],
                image.Labels["org.opencontainers.image.version"],
                image.Labels["org.opencontainers.image.base.name"]));
            // One layer holding the file (a tar entry: header and padding).
            Assert.InRange(image.SizeAbove(server), model, model + 64 * 1024);
        }
    }

    [ImageFact]
    public async Task ServerImages_Layers_ShareTheRuntimeBaseAndAddASmallApplicationLayer()
    {
        ImagePeers.Require();
        var modelServer = await Buildah.InspectAsync(images.Image("modelserver"));
        var router = await Buildah.InspectAsync(images.Image("router"));
        // The layers both share are the runtime base; what each adds is its published application.
        var modelServerApp = modelServer.SizeAbove(router);
        var routerApp = router.SizeAbove(modelServer);
        output.WriteLine($"build: {images.BuildTime.TotalSeconds:0} s");
        output.WriteLine($"model server: {modelServer.Size / MiB} MiB, {modelServerApp / MiB} MiB above the runtime base");
        output.WriteLine($"router: {router.Size / MiB} MiB, {routerApp / MiB} MiB above the runtime base");

        Assert.Equal(modelServer.Size - modelServerApp, router.Size - routerApp);
        Assert.Single(modelServer.Layers, l => !router.Layers.Contains(l));
        Assert.Single(router.Layers, l => !modelServer.Layers.Contains(l));
        // ONNX Runtime for one architecture and the managed assemblies; the router has no native library.
        Assert.InRange(modelServerApp, 8 * MiB, 96 * MiB);
        Assert.InRange(routerApp, 1 * MiB, 32 * MiB);
        Assert.InRange(modelServer.Size, modelServerApp, 640 * MiB);
    }
}
