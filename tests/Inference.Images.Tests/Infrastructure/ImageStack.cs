using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>
/// The whole stack as images, the way router/example/run-stack.sh starts it as processes: the example model
/// images iris:1 and iris:2 and the router image in front of them with a 90/10 experiment, each started with
/// the flags and files the chart gives it (router.json from the chart's ConfigMap with the model servers'
/// headless Service names replaced by where the containers listen, the admin token from its Secret).
/// </summary>
public sealed partial class ImageStack : IAsyncDisposable
{
    public const string Experiment = "iris-v2-rollout";
    public const int ControlWeight = 90;
    public const int TreatmentWeight = 10;
    public const string AdminToken = "image-test-admin-token";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly IReadOnlyList<IAsyncDisposable> _owned;

    private ImageStack(IReadOnlyDictionary<string, ModelServerContainer> modelServers, ImageContainer router, ChartContainer routerChart, Uri grpc, Uri admin)
    {
        ModelServers = modelServers;
        Router = router;
        RouterChart = routerChart;
        Grpc = grpc;
        Admin = admin;
        _owned = [router, .. modelServers.Values];
    }

    /// <summary>The model server containers by version ("1", "2").</summary>
    public IReadOnlyDictionary<string, ModelServerContainer> ModelServers { get; }

    internal ImageContainer Router { get; }

    internal ChartContainer RouterChart { get; }

    /// <summary>The router's gRPC endpoint.</summary>
    public Uri Grpc { get; }

    /// <summary>The router's admin endpoint.</summary>
    public Uri Admin { get; }

    public string RouterAddress => $"{Grpc.Host}:{Grpc.Port}";

    /// <summary>An HTTP client for the admin API, with the chart's admin token.</summary>
    public static HttpClient AdminClient(Uri admin) => new()
    {
        BaseAddress = admin,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", AdminToken) },
        Timeout = TimeSpan.FromSeconds(30),
    };

    internal static async Task<ImageStack> StartAsync(BuiltImages images)
    {
        var release = await ChartRelease.RenderAsync($$$"""
            modelServer:
              image: {registry: {{{images.Registry}}}}
            router:
              image: {registry: {{{images.Registry}}}}
              adminToken: {value: {{{AdminToken}}}}
            models:
              iris:
                experiment:
                  name: {{{Experiment}}}
                  stickyHeader: x-user-id
                  allowOverride: true
                  control: control
                  groups:
                    - {name: control, version: "1", weight: {{{ControlWeight}}}}
                    - {name: treatment, version: "2", weight: {{{TreatmentWeight}}}}
                versions:
                  "1":
                    artifact:
                      image: {registry: {{{images.Registry}}}, repository: inference/iris, tag: "1"}
                  "2":
                    artifact:
                      image: {registry: {{{images.Registry}}}, repository: inference/iris, tag: "2"}
            """);

        var modelServers = new Dictionary<string, ModelServerContainer>(StringComparer.Ordinal);
        try
        {
            foreach (var version in new[] { "1", "2" })
            {
                var chart = release.Container($"{ChartRelease.Release}-inference-iris-v{version}", "model-server");
                Assert.Equal(images.Image($"iris-{version}"), chart.Image);
                modelServers[version] = await ModelServerContainer.StartAsync($"iris-v{version}", release, chart);
            }

            var routerChart = release.Container($"{ChartRelease.Release}-inference-router", "router");
            Assert.Equal(images.Image("router"), routerChart.Image);
            var router = await ImageContainer.StartAsync(
                "router", release, routerChart, routerChart.ArgsOnFreePorts("--port", "--admin-port"),
                (file, contents) => file == "router.json" ? WithEndpoints(contents, modelServers) : contents);
            try
            {
                var listening = await router.Process.WaitForLineAsync(ListeningLine(), StartTimeout);
                var stack = new ImageStack(
                    modelServers, router, routerChart,
                    ModelServerContainer.Loopback(listening.Groups["grpc"].Value),
                    ModelServerContainer.Loopback(listening.Groups["admin"].Value));
                using var http = new HttpClient { BaseAddress = stack.Admin };
                await Wait.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "the router image's /readyz", 120);
                return stack;
            }
            catch
            {
                await router.DisposeAsync();
                throw;
            }
        }
        catch
        {
            foreach (var server in modelServers.Values)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>The chart's router.json with each version's endpoints (its headless Service) replaced by its container.</summary>
    private static string WithEndpoints(string routerJson, IReadOnlyDictionary<string, ModelServerContainer> modelServers)
    {
        var config = JsonNode.Parse(routerJson)!;
        foreach (var (version, server) in modelServers)
        {
            var endpoints = config["models"]!["iris"]!["versions"]![version]!["endpoints"]!.AsArray();
            Assert.All(endpoints, e => Assert.Contains($"-inference-iris-v{version}.{ChartRelease.Namespace}.svc", e!.GetValue<string>(), StringComparison.Ordinal));
            config["models"]!["iris"]!["versions"]![version]!["endpoints"] = new JsonArray(server.Grpc.ToString().TrimEnd('/'));
        }

        return config.ToJsonString();
    }

    [GeneratedRegex(@"Now listening: grpc=http://[^ ]+:(?<grpc>[0-9]+) admin=http://[^ ]+:(?<admin>[0-9]+)")]
    private static partial Regex ListeningLine();
}
