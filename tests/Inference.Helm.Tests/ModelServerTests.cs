using System.Globalization;
using System.Text.Json.Nodes;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The model server workloads: one per version, run as the design's command line says.</summary>
public sealed class ModelServerTests
{
    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task ModelServer_EachVersion_HasOneDeploymentAndOneHeadlessService(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var versions = chart.ModelVersions.ToList();

        foreach (var (model, version, _) in versions)
        {
            Assert.Single(ModelServerObjects(chart, "Deployment", model, version));
            var service = Assert.Single(ModelServerObjects(chart, "Service", model, version));
            Assert.Equal("None", service.Spec["clusterIP"]?.GetValue<string>());
            var ports = service.Spec["ports"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => (int)p!["port"]!.GetValue<double>());
            Assert.Equal(new Dictionary<string, int> { ["grpc"] = 8001, ["http"] = 8002 }, ports);
        }

        Assert.Equal(versions.Count, ModelServerObjects(chart, "Deployment").Count());
        Assert.Equal(versions.Count, ModelServerObjects(chart, "Service").Count());
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task ModelServer_Container_RunsWithTheDesignedCommandLine(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var (model, version, _) in chart.ModelVersions)
        {
            var container = ModelServerContainer(chart, model, version);
            var drain = Drain.Expected(chart.Values);
            string[] expected =
            [
                "--model", "/models/model.onnx", "--name", model, "--version", version, "--port", "8001", "--http-port", "8002",
                "--drain-delay-ms", (drain.DelaySeconds * 1000).ToString(CultureInfo.InvariantCulture),
                "--drain-timeout-ms", (drain.TimeoutSeconds * 1000).ToString(CultureInfo.InvariantCulture),
            ];
            Assert.Equal(expected, container["args"]!.AsArray().Select(a => a!.GetValue<string>()).Take(expected.Length));
            Assert.Null(container["command"]); // the image's entrypoint is the model server
            var ports = container["ports"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => (int)p!["containerPort"]!.GetValue<double>());
            Assert.Equal(new Dictionary<string, int> { ["grpc"] = 8001, ["http"] = 8002 }, ports);
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task ModelServer_ModelFile_ComesFromTheConfiguredArtifactSource(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var (model, version, spec) in chart.ModelVersions)
        {
            var pod = ModelServerPod(chart, model, version);
            var container = pod.Containers.Single();
            var artifact = spec["artifact"]!.AsObject();
            var modelMount = container["volumeMounts"]!.AsArray().SingleOrDefault(m => m!["mountPath"]!.GetValue<string>() == "/models");
            var modelVolume = pod.Volumes.SingleOrDefault(v => v["name"]!.GetValue<string>() == "model");

            if (artifact["image"] is { } image)
            {
                // The model is baked into the image: the container runs that image, nothing is mounted over /models.
                Assert.StartsWith(image["repository"]!.GetValue<string>(), container["image"]!.GetValue<string>());
                Assert.Null(modelMount);
                Assert.Null(modelVolume);
                Assert.Empty(pod.InitContainers);
            }
            else if (artifact["download"] is { } download)
            {
                var fetch = Assert.Single(pod.InitContainers);
                var env = fetch["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
                Assert.Equal(download["url"]!.GetValue<string>(), env["MODEL_URL"]);
                Assert.Equal(download["sha256"]!.GetValue<string>().ToLowerInvariant(), env["MODEL_SHA256"]);
                var script = string.Join('\n', fetch["command"]!.AsArray().Select(c => c!.GetValue<string>()));
                Assert.Contains("sha256sum -c", script);
                Assert.Contains("mv /models/model.onnx.part /models/model.onnx", script);
                Assert.NotNull(modelVolume!["emptyDir"]);
                Assert.Contains(fetch["volumeMounts"]!.AsArray(), m => m!["name"]!.GetValue<string>() == "model" && m["mountPath"]!.GetValue<string>() == "/models");
                Assert.True(modelMount!["readOnly"]!.GetValue<bool>());
            }
            else
            {
                var volume = artifact["volume"]!.AsObject();
                foreach (var (key, value) in volume)
                {
                    Assert.True(JsonNode.DeepEquals(value, modelVolume![key]), $"{model} {version}: volume {key} differs from values");
                }

                Assert.True(modelMount!["readOnly"]!.GetValue<bool>());
                Assert.Equal(artifact["subPath"]?.GetValue<string>(), modelMount["subPath"]?.GetValue<string>());
                Assert.Empty(pod.InitContainers);
            }
        }
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_VersionSettings_OverrideTheSharedReplicasAndResources()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        var v1 = Assert.Single(ModelServerObjects(chart, "Deployment", "iris", "1"));
        var v2 = Assert.Single(ModelServerObjects(chart, "Deployment", "iris", "2"));
        Assert.Equal(3, (int)v1.Spec["replicas"]!.GetValue<double>());
        Assert.Equal(1, (int)v2.Spec["replicas"]!.GetValue<double>());
        var v2Resources = ModelServerContainer(chart, "iris", "2")["resources"]!;
        Assert.Equal("2Gi", v2Resources["limits"]!["memory"]!.GetValue<string>()); // the version's own
        Assert.Equal("1", v2Resources["limits"]!["cpu"]!.GetValue<string>()); // the shared default, kept
        Assert.Equal("1Gi", ModelServerContainer(chart, "iris", "1")["resources"]!["limits"]!["memory"]!.GetValue<string>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_VersionWithoutAutoscaling_OptsOutWhileOthersUseIt()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        var autoscaled = chart.OfKind("HorizontalPodAutoscaler").Select(h => h.Spec["scaleTargetRef"]!["name"]!.GetValue<string>()).ToHashSet();
        foreach (var (model, version, _) in chart.ModelVersions)
        {
            var deployment = Assert.Single(ModelServerObjects(chart, "Deployment", model, version));
            var optedOut = version == "2024-09-gradient-boosted-with-calibrated-probabilities";
            Assert.Equal(!optedOut, autoscaled.Contains(deployment.Name));
            Assert.Equal(optedOut, deployment.Spec.ContainsKey("replicas"));
        }

        var iris3 = chart.Single("HorizontalPodAutoscaler", Assert.Single(ModelServerObjects(chart, "Deployment", "iris", "3")).Name);
        Assert.Equal((1, 4), ((int)iris3.Spec["minReplicas"]!.GetValue<double>(), (int)iris3.Spec["maxReplicas"]!.GetValue<double>()));
        var iris2 = chart.Single("HorizontalPodAutoscaler", Assert.Single(ModelServerObjects(chart, "Deployment", "iris", "2")).Name);
        Assert.Equal((2, 12), ((int)iris2.Spec["minReplicas"]!.GetValue<double>(), (int)iris2.Spec["maxReplicas"]!.GetValue<double>()));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_NativeGrpcProbes_CheckReadinessOnHealthAndLivenessOnHealthz()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "sidecar.yaml"));
        Assert.Equal("grpc", chart.Values["modelServer"]!["probes"]!["type"]!.GetValue<string>());

        var (model, version, _) = chart.ModelVersions.First();
        var container = ModelServerContainer(chart, model, version);
        foreach (var probe in new[] { "startupProbe", "readinessProbe" })
        {
            Assert.Equal(8001, (int)container[probe]!["grpc"]!["port"]!.GetValue<double>());
            Assert.Null(container[probe]!["httpGet"]);
        }

        // The gRPC health status turns NOT_SERVING while a pod drains: liveness on it would restart
        // a pod that is only stopping. Liveness asks whether the process answers at all.
        var liveness = container["livenessProbe"]!;
        Assert.Null(liveness["grpc"]);
        Assert.Equal(("/healthz", "http"), (liveness["httpGet"]!["path"]!.GetValue<string>(), liveness["httpGet"]!["port"]!.GetValue<string>()));
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task ModelServer_DownloadedModel_IsRequestedAsEphemeralStorageCoveringEveryEmptyDir(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var (model, version, spec) in chart.ModelVersions)
        {
            var pod = ModelServerPod(chart, model, version);
            var resources = pod.Containers.Single()["resources"]!;
            if (spec["artifact"]!["download"] is null)
            {
                Assert.Null(resources["requests"]!["ephemeral-storage"]);
                continue;
            }

            var sizes = pod.Volumes.ToDictionary(v => v["name"]!.GetValue<string>(), v => Quantity.Bytes(v["emptyDir"]!["sizeLimit"]!));
            Assert.Equal(Quantity.Bytes(chart.Values["modelServer"]!["downloadVolumeSizeLimit"]!), sizes["model"]);
            Assert.Equal(sizes["model"], Quantity.Bytes(resources["requests"]!["ephemeral-storage"]!));
            Assert.Equal(sizes["model"] + sizes["tmp"] + (64L << 20), Quantity.Bytes(resources["limits"]!["ephemeral-storage"]!));
        }
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_EphemeralStorage_FollowsVolumeSizesUnlessResourcesOverrideIt()
    {
        var chart = await ChartRenderer.RenderYamlAsync(DownloadedVersions + """
            modelServer: {downloadVolumeSizeLimit: 500M, tmpSizeLimit: 1.5Gi}

            """);

        var resources = ModelServerContainer(chart, "iris", "1")["resources"]!;
        Assert.Equal(500_000_000L, Quantity.Bytes(resources["requests"]!["ephemeral-storage"]!));
        Assert.Equal(500_000_000L + (3L << 29) + (64L << 20), Quantity.Bytes(resources["limits"]!["ephemeral-storage"]!));

        // The version's own resources win, key by key; the other version keeps the computed numbers.
        var own = ModelServerContainer(chart, "iris", "2")["resources"]!;
        Assert.Equal("3Gi", own["requests"]!["ephemeral-storage"]!.GetValue<string>());
        Assert.Equal("4Gi", own["limits"]!["ephemeral-storage"]!.GetValue<string>());
        Assert.Equal("512Mi", own["requests"]!["memory"]!.GetValue<string>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_LongVersions_GetShortenedNamesThatStayDistinct()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        const string longVersion = "2024-09-gradient-boosted-with-calibrated-probabilities";
        var deployment = Assert.Single(ModelServerObjects(chart, "Deployment", "churn", longVersion));
        Assert.Equal(63, deployment.Name.Length);
        Assert.StartsWith("prod-inference-churn-v2024-09-gradient-boosted", deployment.Name);
        // The full version still reaches the model server and its labels.
        Assert.Contains(longVersion, ModelServerContainer(chart, "churn", longVersion)["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.NotEqual(deployment.Name, Assert.Single(ModelServerObjects(chart, "Deployment", "churn", "2024.09")).Name);
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task ModelServer_GracefulStop_FitsTheRoutersHealthAndDnsSettings(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var drain = Drain.Expected(chart.Values);

        foreach (var (model, version, _) in chart.ModelVersions)
        {
            var deployment = Assert.Single(ModelServerObjects(chart, "Deployment", model, version));
            var pod = ModelServerPod(chart, model, version);
            var args = ModelServerContainer(chart, model, version)["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            var delayMs = int.Parse(args[args.IndexOf("--drain-delay-ms") + 1], CultureInfo.InvariantCulture);
            var timeoutMs = int.Parse(args[args.IndexOf("--drain-timeout-ms") + 1], CultureInfo.InvariantCulture);
            var grace = (int)pod.Spec["terminationGracePeriodSeconds"]!.GetValue<double>();
            var minReady = (int)deployment.Spec["minReadySeconds"]!.GetValue<double>();

            Assert.Equal(drain.DelaySeconds * 1000, delayMs);
            // Kubernetes must not kill the server before the delay and the in-flight wait are over.
            Assert.True(grace >= (delayMs + timeoutMs) / 1000, $"{deployment}: grace {grace} s < drain {delayMs} ms + {timeoutMs} ms");
            Assert.Equal(drain.GraceSeconds, grace);
            // An old pod is stopped only after the router has re-resolved the Service and knows its replacement.
            Assert.True(minReady > drain.DnsRefreshSeconds, $"{deployment}: minReadySeconds {minReady} <= dnsRefreshSeconds {drain.DnsRefreshSeconds}");
        }
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_DrainDelay_FollowsTheRouterHealthIntervalAndTimeout()
    {
        var chart = await ChartRenderer.RenderYamlAsync(OneVersion + """
            router:
              settings: {healthCheckIntervalSeconds: 3, healthCheckTimeoutSeconds: 1.5, dnsRefreshSeconds: 20}

            """);

        var pod = ModelServerPod(chart, "iris", "1");
        var args = pod.Containers.Single()["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal("5000", args[args.IndexOf("--drain-delay-ms") + 1]);
        Assert.Equal(5 + 20 + 5, (int)pod.Spec["terminationGracePeriodSeconds"]!.GetValue<double>());
        Assert.Equal(25, (int)Assert.Single(ModelServerObjects(chart, "Deployment", "iris")).Spec["minReadySeconds"]!.GetValue<double>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task ModelServer_ExplicitDrainValues_WinAndATooShortGracePeriodIsRefused()
    {
        var chart = await ChartRenderer.RenderYamlAsync(OneVersion + """
            modelServer: {drain: {delaySeconds: 2, timeoutSeconds: 40}, terminationGracePeriodSeconds: 60, minReadySeconds: 30}

            """);
        var pod = ModelServerPod(chart, "iris", "1");
        var args = pod.Containers.Single()["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(("2000", "40000"), (args[args.IndexOf("--drain-delay-ms") + 1], args[args.IndexOf("--drain-timeout-ms") + 1]));
        Assert.Equal(60, (int)pod.Spec["terminationGracePeriodSeconds"]!.GetValue<double>());
        Assert.Equal(30, (int)Assert.Single(ModelServerObjects(chart, "Deployment", "iris")).Spec["minReadySeconds"]!.GetValue<double>());

        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(OneVersion + """
            modelServer: {drain: {delaySeconds: 2, timeoutSeconds: 40}, terminationGracePeriodSeconds: 30}

            """));
        Assert.Contains("modelServer.terminationGracePeriodSeconds (30) must be at least modelServer.drain.delaySeconds + modelServer.drain.timeoutSeconds (2 + 40)", error.Message);
    }

    internal const string OneVersion = """
        models:
          iris:
            experiment:
              name: rollout
              control: control
              groups:
                - {name: control, version: "1", weight: 100}
            versions:
              "1": {artifact: {image: {repository: r/iris, tag: "1"}}}

        """;

    private const string DownloadedVersions = """
        models:
          iris:
            experiment:
              name: rollout
              control: control
              groups:
                - {name: control, version: "1", weight: 100}
            versions:
              "1": {artifact: {download: {url: "https://models.example.com/iris/1.onnx", sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}}
              "2":
                artifact: {download: {url: "https://models.example.com/iris/2.onnx", sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}
                resources: {requests: {ephemeral-storage: 3Gi}, limits: {ephemeral-storage: 4Gi}}

        """;

    /// <summary>The graceful-stop numbers the chart README documents, computed from merged values.</summary>
    private sealed record Drain(int DelaySeconds, int TimeoutSeconds, int GraceSeconds, double DnsRefreshSeconds)
    {
        public static Drain Expected(JsonObject values)
        {
            var settings = values["router"]?["settings"]?.AsObject() ?? [];
            var interval = settings["healthCheckIntervalSeconds"]?.GetValue<double>() ?? 5;
            var timeout = settings["healthCheckTimeoutSeconds"]?.GetValue<double>() ?? 2;
            var dns = settings["dnsRefreshSeconds"]?.GetValue<double>() ?? 10;
            var ms = values["modelServer"]!.AsObject();
            var delay = ms["drain"]?["delaySeconds"] is { } d ? (int)d.GetValue<double>() : (int)Math.Ceiling(interval > 0 ? interval + timeout : dns + 5);
            var drainTimeout = ms["drain"]?["timeoutSeconds"] is { } t ? (int)t.GetValue<double>() : 20;
            var grace = ms["terminationGracePeriodSeconds"] is { } g ? (int)g.GetValue<double>() : delay + drainTimeout + 5;
            return new Drain(delay, drainTimeout, grace, dns);
        }
    }

    internal static IEnumerable<Manifest> ModelServerObjects(RenderedChart chart, string kind, string? model = null, string? version = null) =>
        chart.OfKind(kind).Where(m =>
            m.Labels["app.kubernetes.io/component"]?.GetValue<string>() == "model-server"
            && (model is null || m.Labels["inference/model"]?.GetValue<string>() == model)
            && (version is null || m.Labels["inference/version"]?.GetValue<string>() == version));

    internal static PodTemplate ModelServerPod(RenderedChart chart, string model, string version)
    {
        var deployment = Assert.Single(ModelServerObjects(chart, "Deployment", model, version));
        return chart.PodTemplates.Single(p => p.Owner == deployment.ToString());
    }

    private static JsonObject ModelServerContainer(RenderedChart chart, string model, string version) =>
        Assert.Single(ModelServerPod(chart, model, version).Containers, c => c["name"]!.GetValue<string>() == "model-server");
}
