using System.Text.RegularExpressions;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>
/// A model server image started as the chart starts one: its Deployment's flags (ports set free) and, for a
/// version whose model is on a volume, the volume at /models: here tests/models/iris/&lt;version&gt;.
/// </summary>
public sealed partial class ModelServerContainer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private ModelServerContainer(ImageContainer container, ChartContainer chart, Uri grpc, Uri http)
    {
        Container = container;
        Chart = chart;
        Grpc = grpc;
        Http = http;
    }

    internal ImageContainer Container { get; }

    /// <summary>What the chart gave this container.</summary>
    internal ChartContainer Chart { get; }

    /// <summary>The gRPC endpoint (h2c), on 127.0.0.1.</summary>
    public Uri Grpc { get; }

    /// <summary>The HTTP endpoint: /metrics, /healthz, /readyz.</summary>
    public Uri Http { get; }

    /// <summary>host:port of the gRPC endpoint, as python3-grpcio takes it.</summary>
    public string GrpcAddress => $"{Grpc.Host}:{Grpc.Port}";

    /// <summary>The model server image with iris <paramref name="version"/> on a volume, as the chart mounts one.</summary>
    internal static async Task<ModelServerContainer> StartAsync(BuiltImages images, int version = 1)
    {
        var release = await ChartRelease.RenderAsync($$$"""
            modelServer:
              image: {registry: {{{images.Registry}}}}
            models:
              iris:
                experiment:
                  name: iris-one-version
                  control: control
                  groups: [{name: control, version: "{{{version}}}", weight: 100}]
                versions:
                  "{{{version}}}":
                    artifact:
                      volume: {hostPath: {path: {{{RepoPaths.File("tests", "models", "iris", version.ToString(System.Globalization.CultureInfo.InvariantCulture))}}}, type: Directory}}
            """);
        var chart = release.Container($"{ChartRelease.Release}-inference-iris-v{version}", "model-server");
        Assert.Equal(images.Image("modelserver"), chart.Image);
        return await StartAsync("modelserver", release, chart);
    }

    /// <summary>Starts the chart's model server container <paramref name="chart"/> and waits until its model is ready.</summary>
    internal static async Task<ModelServerContainer> StartAsync(string name, ChartRelease release, ChartContainer chart)
    {
        var container = await ImageContainer.StartAsync(name, release, chart, chart.ArgsOnFreePorts("--port", "--http-port"));
        try
        {
            var listening = await container.Process.WaitForLineAsync(ListeningLine(), StartTimeout);
            await container.Process.WaitForLineAsync(ReadyLine(), StartTimeout);
            return new ModelServerContainer(
                container, chart, Loopback(listening.Groups["grpc"].Value), Loopback(listening.Groups["http"].Value));
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Container.DisposeAsync();

    // The server binds every interface (the chart gives no --host); the tests call it on loopback.
    internal static Uri Loopback(string port) => new($"http://127.0.0.1:{port}");

    [GeneratedRegex(@"Listening: grpc=http://[^ ]+:(?<grpc>[0-9]+) http=http://[^ ]+:(?<http>[0-9]+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Ready: model ")]
    private static partial Regex ReadyLine();
}
