using System.Text;
using System.Text.Json.Nodes;
using Inference.Helm.Tests.Support;
using Inference.Router.Configuration;

namespace Inference.Helm.Tests;

/// <summary>The router: its config as the router itself parses it, its command line, its secret and modes.</summary>
public sealed class RouterTests
{
    private const string AdminTokenFolder = "/etc/inference-router-admin";

    private static string[] RouterArgs(string adminTokenKey) =>
        ["--config", "/etc/inference-router/router.json", "--port", "8080", "--admin-port", "8081", "--admin-token-file", $"{AdminTokenFolder}/{adminTokenKey}",
         "--state-file", "/var/lib/inference-router/state.json", "--drain-delay-ms", "5000"];

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Router_Config_IsAcceptedByTheRouterAndMatchesTheValues(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        if (!chart.RouterRendered)
        {
            Assert.DoesNotContain(chart.OfKind("ConfigMap"), c => c.Name.EndsWith("-router-config", StringComparison.Ordinal));
            return;
        }

        var config = RouterConfigParser.Parse(RouterJson(chart));

        Assert.Equal(chart.Models.Keys.Order(), config.Models.Keys.Order());
        foreach (var (name, model) in chart.Models)
        {
            var parsed = config.Models[name];
            Assert.Equal(model["versions"]!.AsObject().Select(v => v.Key).Order(), parsed.Versions.Keys.Order());
            var experiment = model["experiment"]!;
            Assert.Equal(experiment["name"]!.GetValue<string>(), parsed.Experiment.Name);
            Assert.Equal(experiment["control"]!.GetValue<string>(), parsed.Experiment.Control);
            Assert.Equal(experiment["stickyHeader"]?.GetValue<string>(), parsed.Experiment.StickyHeader);
            Assert.Equal(experiment["allowOverride"]?.GetValue<bool>() ?? false, parsed.Experiment.AllowOverride);
            var groups = experiment["groups"]!.AsArray()
                .Select(g => (g!["name"]!.GetValue<string>(), g["version"]!.GetValue<string>(), (decimal)g["weight"]!.GetValue<double>()));
            Assert.Equal(groups, parsed.Experiment.Groups.Select(g => (g.Name, g.Version, g.Weight)));
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Router_Endpoints_AreTheHeadlessServicesOfTheirVersions(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        if (!chart.RouterRendered)
        {
            return;
        }

        var config = RouterConfigParser.Parse(RouterJson(chart));
        foreach (var (model, version, _) in chart.ModelVersions)
        {
            var endpoint = Assert.Single(config.Models[model].Versions[version].Endpoints);
            Assert.Equal(8001, endpoint.Port);
            var suffix = $".{chart.Namespace}.svc.cluster.local";
            Assert.EndsWith(suffix, endpoint.Host);
            var service = chart.Single("Service", endpoint.Host[..^suffix.Length]);
            Assert.Equal("None", service.Spec["clusterIP"]!.GetValue<string>());
            Assert.Contains(service.Spec["ports"]!.AsArray(), p => (int)p!["port"]!.GetValue<double>() == 8001 && p["name"]!.GetValue<string>() == "grpc");
            // The Service resolves to the pods of exactly this model version.
            var pod = ModelServerTests.ModelServerPod(chart, model, version);
            var selected = chart.PodTemplates.Where(p => LabelSelector.Selects(service.Spec["selector"]!.AsObject(), p.Labels)).ToList();
            Assert.Equal([pod.Owner], selected.Select(p => p.Owner));
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Router_Container_RunsWithTheDesignedFlagsAdminTokenAndLiveConfigMount(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        if (!chart.RouterRendered)
        {
            Assert.Empty(chart.Manifests);
            return;
        }

        var pod = await RouterPodAsync(chart);
        var container = Assert.Single(pod.LongRunningContainers, c => c["name"]!.GetValue<string>() == "router");

        var tokenValues = chart.Values["router"]!["adminToken"]!;
        var key = tokenValues["existingSecretKey"]!.GetValue<string>();
        Assert.Equal(RouterArgs(key), container["args"]!.AsArray().Select(a => a!.GetValue<string>()));

        var secretName = AssertAdminTokenMountedAsFile(pod, container, key);
        var existing = tokenValues["existingSecret"]!.GetValue<string>();
        if (existing.Length > 0)
        {
            Assert.Equal(existing, secretName);
            Assert.Empty(chart.OfKind("Secret"));
        }
        else
        {
            var secret = chart.Single("Secret", secretName);
            Assert.NotNull(secret.Object["data"]![key]);
        }

        // router.json comes from the rendered ConfigMap, mounted as a directory (a subPath mount is never updated).
        var configVolume = Assert.Single(pod.Volumes, v => v["name"]!.GetValue<string>() == "router-config");
        var configMap = chart.Single("ConfigMap", configVolume["configMap"]!["name"]!.GetValue<string>());
        Assert.True(configMap.Object["data"]!.AsObject().ContainsKey("router.json"));
        var mount = Assert.Single(container["volumeMounts"]!.AsArray(), m => m!["name"]!.GetValue<string>() == "router-config")!;
        Assert.Equal("/etc/inference-router", mount["mountPath"]!.GetValue<string>());
        Assert.Null(mount["subPath"]);
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => m!["mountPath"]!.GetValue<string>() == "/var/lib/inference-router");

        // The router reloads its config and its token live: no checksum of either may restart the pods.
        Assert.DoesNotContain(pod.Annotations, a => a.Key.StartsWith("checksum/", StringComparison.Ordinal));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_Gateway_ExposesGrpcToCallersAndAdminOnASeparateService()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        var router = chart.Single("Deployment", "prod-inference-router");
        Assert.Equal(2, (int)router.Spec["replicas"]!.GetValue<double>());
        var grpc = chart.Single("Service", "prod-inference-router");
        Assert.Equal([(8080, "router-grpc")], grpc.Spec["ports"]!.AsArray().Select(p => ((int)p!["port"]!.GetValue<double>(), p["targetPort"]!.GetValue<string>())));
        var admin = chart.Single("Service", "prod-inference-router-admin");
        Assert.Equal([(8081, "router-admin")], admin.Spec["ports"]!.AsArray().Select(p => ((int)p!["port"]!.GetValue<double>(), p["targetPort"]!.GetValue<string>())));
        // Headless, so its name resolves to every router pod: inference-exp --admin-dns reaches them all.
        Assert.Equal("None", admin.Spec["clusterIP"]?.GetValue<string>());

        // A generated token is a random 48-character string.
        var token = SecretToken(chart);
        Assert.Equal(48, token.Length);
        Assert.True(token.All(char.IsAsciiLetterOrDigit));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_GeneratedAdminToken_PutsNoChecksumOnThePodsSoUpgradesDoNotRestartThem()
    {
        // Two renders stand for install and upgrade: each generates a token (the renderer, like
        // `helm template`, has no cluster for lookup), yet the pod template must not change.
        var gateway = Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml");
        var first = await ChartRenderer.RenderYamlAsync("{}\n", gateway);
        var second = await ChartRenderer.RenderYamlAsync("{}\n", gateway);

        Assert.NotEqual(SecretToken(first), SecretToken(second));
        var firstPod = RouterPodTemplate(first);
        Assert.True(JsonNode.DeepEquals(firstPod, RouterPodTemplate(second)), "the router's pod template differs between two renders");
        Assert.Null(firstPod["metadata"]!["annotations"]);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_AdminTokenInValues_IsTheSecretAndChangingItLeavesThePodsUnchanged()
    {
        // The router re-reads the mounted token file: a new token must not replace the pods (and
        // lose the admin weights kept on their emptyDirs).
        var gateway = Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml");
        var chart = await ChartRenderer.RenderYamlAsync("router: {adminToken: {value: s3cret-token}, podAnnotations: {team: ml}}\n", gateway);
        var rotated = await ChartRenderer.RenderYamlAsync("router: {adminToken: {value: n3w-token}, podAnnotations: {team: ml}}\n", gateway);

        Assert.Equal("s3cret-token", SecretToken(chart));
        Assert.Equal("n3w-token", SecretToken(rotated));
        var pod = RouterPodTemplate(chart);
        Assert.True(JsonNode.DeepEquals(pod, RouterPodTemplate(rotated)), "the router's pod template changes with the token");
        var annotations = pod["metadata"]!["annotations"]!.AsObject();
        Assert.Equal(["team"], annotations.Select(a => a.Key));
        Assert.Equal("ml", annotations["team"]!.GetValue<string>());

        var router = await RouterPodAsync(chart);
        var container = Assert.Single(router.Containers);
        Assert.Equal("prod-inference-router-admin-token", AssertAdminTokenMountedAsFile(router, container, "admin-token"));
        Assert.DoesNotContain("s3cret-token", pod.ToJsonString(), StringComparison.Ordinal);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_ExistingSecretWithCustomKey_IsMountedAsTheTokenFile()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "router: {adminToken: {existingSecret: ops-router-token, existingSecretKey: rotating.token}}\n",
            Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        Assert.Empty(chart.OfKind("Secret"));
        var pod = await RouterPodAsync(chart);
        var container = Assert.Single(pod.Containers);
        Assert.Equal(RouterArgs("rotating.token"), container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("ops-router-token", AssertAdminTokenMountedAsFile(pod, container, "rotating.token"));
        Assert.Null(RouterPodTemplate(chart)["metadata"]!["annotations"]);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_PersistentState_UsesAClaimAndRecreatesTheSinglePod()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "router: {replicas: 1, state: {persistence: {enabled: true, size: 32Mi}}}\n",
            Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        var claim = chart.Single("PersistentVolumeClaim", "prod-inference-router-state");
        Assert.Equal("32Mi", claim.Spec["resources"]!["requests"]!["storage"]!.GetValue<string>());
        var router = chart.Single("Deployment", "prod-inference-router");
        Assert.Equal("Recreate", router.Spec["strategy"]!["type"]!.GetValue<string>());
        var pod = chart.PodTemplates.Single(p => p.Owner == router.ToString());
        var state = Assert.Single(pod.Volumes, v => v["name"]!.GetValue<string>() == "router-state");
        Assert.Equal(claim.Name, state["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task RouterLimits_SetInValues_BecomeItsFlagsAndUnsetOnesKeepItsDefaults()
    {
        var chart = await ChartRenderer.RenderYamlAsync("""
            router:
              limits:
                maxReceiveMessageSize: 16777216
                firstMessageTimeoutSeconds: 2.5
                maxAdminBodyBytes: 4096
            """, Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        var container = Assert.Single((await RouterPodAsync(chart)).LongRunningContainers, c => c["name"]!.GetValue<string>() == "router");
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal("16777216", args[args.IndexOf("--max-receive-message-size") + 1]);
        Assert.Equal("2500", args[args.IndexOf("--first-message-timeout-ms") + 1]);
        Assert.Equal("4096", args[args.IndexOf("--max-admin-body-bytes") + 1]);
        Assert.DoesNotContain("--max-connections", args);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task RouterDrainDelay_Default_FitsInsideTheTerminationGracePeriod()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));
        var container = Assert.Single((await RouterPodAsync(chart)).LongRunningContainers, c => c["name"]!.GetValue<string>() == "router");
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var drain = TimeSpan.FromMilliseconds(int.Parse(args[args.IndexOf("--drain-delay-ms") + 1], System.Globalization.CultureInfo.InvariantCulture));
        var grace = chart.OfKind("Deployment").Single(d => d.Name.EndsWith("-router", StringComparison.Ordinal)).Spec["template"]!["spec"]!["terminationGracePeriodSeconds"]!.GetValue<int>();

        // The router's own default (CommandLineTests), kept by the chart: Kubernetes routes to a terminating pod for a few seconds.
        Assert.Equal(TimeSpan.FromSeconds(5), drain);
        Assert.True(grace >= drain.TotalSeconds + 25, $"terminationGracePeriodSeconds {grace} leaves no time to finish calls after the drain delay");
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_Settings_ReachRouterJson()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        var config = RouterConfigParser.Parse(RouterJson(chart));
        Assert.Equal(TimeSpan.FromSeconds(5), config.DnsRefreshInterval);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_SidecarMode_PublishesTheGatewaysContainerForTheCallerPods()
    {
        var sidecarValues = Path.Combine(RepoPaths.ChartCiFolder, "sidecar.yaml");
        var sidecar = await ChartRenderer.RenderAsync(sidecarValues);
        var gateway = await ChartRenderer.RenderYamlAsync("router: {mode: gateway}\n", sidecarValues);

        Assert.DoesNotContain(sidecar.OfKind("Deployment"), d => d.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router");
        Assert.DoesNotContain(sidecar.OfKind("Service"), s => s.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router");

        var snippetPod = await RouterPodAsync(sidecar);
        var snippetContainer = Assert.Single(snippetPod.InitContainers).DeepClone().AsObject();
        Assert.Equal("Always", snippetContainer["restartPolicy"]!.GetValue<string>()); // a native sidecar
        snippetContainer.Remove("restartPolicy");
        var gatewayContainer = Assert.Single((await RouterPodAsync(gateway)).Containers);
        Assert.True(JsonNode.DeepEquals(gatewayContainer, snippetContainer), $"sidecar:\n{snippetContainer}\ngateway:\n{gatewayContainer}");
        Assert.True(JsonNode.DeepEquals(
            new JsonArray([.. (await RouterPodAsync(gateway)).Volumes.Select(v => v.DeepClone())]),
            new JsonArray([.. snippetPod.Volumes.Select(v => v.DeepClone())])));

        // The model servers admit the calling pods, whose routers call them.
        var policy = sidecar.Single("NetworkPolicy", "prod-inference-model-servers");
        var grpcRule = Assert.Single(policy.Spec["ingress"]!.AsArray(), r => (int)r!["ports"]![0]!["port"]!.GetValue<double>() == 8001)!;
        Assert.Equal("checkout", grpcRule["from"]![0]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_SidecarModeWithoutNativeSidecars_PublishesARegularContainer()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "router: {sidecar: {native: false}}\n", Path.Combine(RepoPaths.ChartCiFolder, "sidecar.yaml"));

        var pod = await RouterPodAsync(chart);
        var container = Assert.Single(pod.Containers);
        Assert.Null(container["restartPolicy"]);
        Assert.Empty(pod.InitContainers);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Router_ChartReadme_ShowsTheRenderedSidecarContainer()
    {
        // The README's example: ci/sidecar.yaml installed as release checkout-models in namespace shop.
        var chart = await ChartRenderer.RenderAsync("checkout-models", "shop", Path.Combine(RepoPaths.ChartCiFolder, "sidecar.yaml"));
        var data = chart.Single("ConfigMap", "checkout-models-inference-router-sidecar").Object["data"]!;
        var readme = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Chart, "README.md"))).ReplaceLineEndings("\n");

        // Inside the example Deployment, both lists sit under spec.template.spec.
        foreach (var key in new[] { "initContainers.yaml", "volumes.yaml" })
        {
            var snippet = data[key]!.GetValue<string>();
            var indented = string.Join('\n', snippet.TrimEnd('\n').Split('\n').Select(line => line.Length == 0 ? line : "        " + line));
            Assert.True(readme.Contains(indented, StringComparison.Ordinal), $"the chart README does not show the rendered {key}:\n{indented}");
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Router_NetworkPolicy_AdmitsTheRouterPodsToTheModelServers(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        if (!chart.Values["networkPolicy"]!["enabled"]!.GetValue<bool>() || !chart.RouterRendered || chart.RouterMode != "gateway")
        {
            return;
        }

        var policy = chart.Single("NetworkPolicy", $"{chart.Release}-inference-model-servers");
        var routerPod = await RouterPodAsync(chart);
        var grpcRule = Assert.Single(policy.Spec["ingress"]!.AsArray(), r => (int)r!["ports"]![0]!["port"]!.GetValue<double>() == 8001)!;
        Assert.Contains(grpcRule["from"]!.AsArray(), peer => LabelSelector.Selects(peer!["podSelector"]?.AsObject(), routerPod.Labels));
        // Only the router (and explicitly listed clients): no model server pod or foreign selector sneaks in.
        Assert.Equal(1 + chart.Values["networkPolicy"]!["modelServerClients"]!.AsArray().Count, grpcRule["from"]!.AsArray().Count);
    }

    /// <summary>
    /// Asserts that the router reads the admin token from a Secret volume mounted as a read-only
    /// folder (a subPath mount is never updated by the kubelet), with the key as the file, and
    /// from no environment variable. Returns the Secret's name.
    /// </summary>
    private static string AssertAdminTokenMountedAsFile(PodTemplate pod, JsonObject container, string key)
    {
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var file = args[args.IndexOf("--admin-token-file") + 1];
        Assert.Equal($"{AdminTokenFolder}/{key}", file);

        var mount = Assert.Single(container["volumeMounts"]!.AsArray(), m => m!["mountPath"]!.GetValue<string>() == AdminTokenFolder)!;
        Assert.True(mount["readOnly"]?.GetValue<bool>(), "the admin token's mount is not read-only");
        Assert.Null(mount["subPath"]);
        Assert.Null(mount["subPathExpr"]);
        var volume = Assert.Single(pod.Volumes, v => v["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>());
        var secret = volume["secret"]!;
        var item = Assert.Single(secret["items"]!.AsArray())!;
        Assert.Equal(key, item["key"]!.GetValue<string>());
        Assert.Equal(key, item["path"]!.GetValue<string>());

        var env = container["env"]?.AsArray() ?? [];
        Assert.DoesNotContain(env, e => e!["name"]!.GetValue<string>() == "ROUTER_ADMIN_TOKEN" || e["valueFrom"]?["secretKeyRef"] is not null);
        Assert.Null(container["envFrom"]);
        return secret["secretName"]!.GetValue<string>();
    }

    private static string SecretToken(RenderedChart chart) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(
            chart.Single("Secret", $"{chart.Release}-inference-router-admin-token").Object["data"]!["admin-token"]!.GetValue<string>()));

    private static JsonObject RouterPodTemplate(RenderedChart chart) =>
        chart.Single("Deployment", $"{chart.Release}-inference-router").Spec["template"]!.AsObject();

    internal static string RouterJson(RenderedChart chart) =>
        Assert.Single(chart.OfKind("ConfigMap"), c => c.Name.EndsWith("-router-config", StringComparison.Ordinal))
            .Object["data"]!["router.json"]!.GetValue<string>();

    /// <summary>The router's pod: the gateway Deployment's template, or the sidecar snippet as a pod fragment.</summary>
    internal static async Task<PodTemplate> RouterPodAsync(RenderedChart chart)
    {
        var deployment = chart.OfKind("Deployment").SingleOrDefault(d => d.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router");
        if (deployment is not null)
        {
            return chart.PodTemplates.Single(p => p.Owner == deployment.ToString());
        }

        var snippet = chart.OfKind("ConfigMap").Single(c => c.Name.EndsWith("-router-sidecar", StringComparison.Ordinal));
        var data = snippet.Object["data"]!.AsObject();
        var key = data.ContainsKey("initContainers.yaml") ? "initContainers" : "containers";
        var spec = new JsonObject
        {
            [key] = (await ChartRenderer.YamlToJsonAsync(data[$"{key}.yaml"]!.GetValue<string>()))[0]!.DeepClone(),
            ["volumes"] = (await ChartRenderer.YamlToJsonAsync(data["volumes.yaml"]!.GetValue<string>()))[0]!.DeepClone(),
        };
        return new PodTemplate($"{snippet} snippet", [], [], spec);
    }
}
