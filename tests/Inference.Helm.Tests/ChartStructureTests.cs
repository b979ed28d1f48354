using System.Text.RegularExpressions;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>Properties every rendering of the chart must have, for the defaults and every ci/*.yaml.</summary>
public sealed partial class ChartStructureTests
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Names_EveryResource_IsADnsLabelOfAtMost63CharactersAndUniquePerKind(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var manifest in chart.Manifests)
        {
            Assert.True(manifest.Name.Length <= 63, $"{manifest}: name longer than 63 characters");
            Assert.Matches(manifest.Kind == "Service" ? Dns1035Label() : Dns1123Label(), manifest.Name);
            Assert.Equal(chart.Namespace, manifest.Object["metadata"]!["namespace"]?.GetValue<string>());
            foreach (var (key, value) in manifest.Labels)
            {
                var text = value!.GetValue<string>();
                Assert.True(text.Length <= 63 && LabelValue().IsMatch(text), $"{manifest}: label {key}={text} is not a valid label value");
            }
        }

        foreach (var pod in chart.PodTemplates)
        {
            foreach (var (key, value) in pod.Labels)
            {
                var text = value!.GetValue<string>();
                Assert.True(text.Length <= 63 && LabelValue().IsMatch(text), $"{pod.Owner}: pod label {key}={text} is not a valid label value");
            }
        }

        var duplicates = chart.Manifests.GroupBy(m => (m.Kind, m.Name)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Deployments_Selectors_SelectTheirOwnPodsOnly(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var deployments = chart.OfKind("Deployment").ToList();
        var pods = chart.PodTemplates.ToList();

        for (var i = 0; i < deployments.Count; i++)
        {
            var selector = deployments[i].Spec["selector"]!.AsObject();
            var selected = pods.Where(p => LabelSelector.Selects(selector, p.Labels)).Select(p => p.Owner).ToList();
            Assert.Equal([pods[i].Owner], selected);
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Services_Selectors_SelectPodsAndTargetTheirContainerPorts(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var pods = chart.PodTemplates.ToList();

        foreach (var service in chart.OfKind("Service"))
        {
            var selected = pods.Where(p => LabelSelector.Selects(service.Spec["selector"]?.AsObject(), p.Labels)).ToList();
            Assert.True(selected.Count > 0, $"{service} selects no pods");
            foreach (var port in service.Spec["ports"]!.AsArray())
            {
                var target = port!["targetPort"] ?? port["port"]!;
                Assert.All(selected, pod => Assert.True(pod.HasContainerPort(target), $"{service}: targetPort {target.ToJsonString()} is not a container port of {pod.Owner}"));
            }
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task DisruptionBudgets_Selectors_CoverExactlyOneDeploymentEach(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var pods = chart.PodTemplates.ToList();

        foreach (var pdb in chart.OfKind("PodDisruptionBudget"))
        {
            Assert.Equal("policy/v1", pdb.Object["apiVersion"]!.GetValue<string>());
            var selected = pods.Where(p => LabelSelector.Selects(pdb.Spec["selector"]!.AsObject(), p.Labels)).ToList();
            Assert.Single(selected);
            Assert.True(pdb.Spec.ContainsKey("maxUnavailable"), $"{pdb}: a single-replica version must not block node drains");
        }

        var expected = chart.OfKind("Deployment").Count(d =>
            d.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router"
                ? chart.Values["router"]!["pdb"]!["enabled"]!.GetValue<bool>()
                : chart.Values["modelServer"]!["pdb"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(expected, chart.OfKind("PodDisruptionBudget").Count());
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task NetworkPolicies_Rules_SelectPodsAdmitOnlyNamedPeersAndNameRealPorts(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var pods = chart.PodTemplates.ToList();

        foreach (var policy in chart.OfKind("NetworkPolicy"))
        {
            var selected = pods.Where(p => LabelSelector.Selects(policy.Spec["podSelector"]!.AsObject(), p.Labels)).ToList();
            Assert.True(selected.Count > 0, $"{policy} selects no pods");
            foreach (var rule in policy.Spec["ingress"]?.AsArray() ?? [])
            {
                // A rule without peers admits everyone: the chart must never render one.
                var peers = rule!["from"]?.AsArray();
                Assert.True(peers is { Count: > 0 }, $"{policy}: an ingress rule without 'from' admits every client");
                foreach (var port in rule["ports"]!.AsArray())
                {
                    Assert.All(selected, pod => Assert.True(pod.HasContainerPort(port!["port"]!), $"{policy}: port {port!["port"]} is not a container port of {pod.Owner}"));
                }

                foreach (var peer in peers!)
                {
                    // A same-namespace peer labelled as this release must be pods the chart renders.
                    var podSelector = peer!["podSelector"]?.AsObject();
                    var ours = podSelector?["matchLabels"]?["app.kubernetes.io/instance"]?.GetValue<string>() == chart.Release;
                    if (ours && peer["namespaceSelector"] is null)
                    {
                        Assert.Contains(pods, p => LabelSelector.Selects(podSelector, p.Labels));
                    }
                }
            }
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Deployments_TopologySpread_CoversEveryConfiguredKeyWithTheirOwnPods(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var pods = chart.PodTemplates.ToList();

        foreach (var pod in pods)
        {
            var component = pod.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router" ? "router" : "modelServer";
            var settings = chart.Values[component]!["topologySpread"]!;
            // Every values file of the chart keeps the default: spread on.
            Assert.True(settings["enabled"]!.GetValue<bool>(), $"{pod.Owner}: {component}.topologySpread is off");
            var constraints = pod.Spec["topologySpreadConstraints"]?.AsArray();
            Assert.True(constraints is not null, $"{pod.Owner} has no topologySpreadConstraints");
            Assert.Equal(
                settings["topologyKeys"]!.AsArray().Select(k => k!.GetValue<string>()),
                constraints!.Select(c => c!["topologyKey"]!.GetValue<string>()));
            foreach (var constraint in constraints!)
            {
                Assert.Equal(settings["maxSkew"]!.GetValue<double>(), constraint!["maxSkew"]!.GetValue<double>());
                Assert.Equal(settings["whenUnsatisfiable"]!.GetValue<string>(), constraint["whenUnsatisfiable"]!.GetValue<string>());
                // Spread counts the pods the selector matches: exactly this Deployment's own.
                var selector = constraint["labelSelector"]!.AsObject();
                Assert.Equal([pod.Owner], pods.Where(p => LabelSelector.Selects(selector, p.Labels)).Select(p => p.Owner));
            }
        }
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Deployments_TopologySpreadOff_IsTurnedOffPerComponent()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "modelServer: {topologySpread: {enabled: false}}\n", Path.Combine(RepoPaths.ChartCiFolder, "gateway-two-versions.yaml"));

        Assert.All(chart.PodTemplates, pod => Assert.Equal(
            pod.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router",
            pod.Spec.ContainsKey("topologySpreadConstraints")));
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Containers_EveryOne_HasResourcesAndALockedDownSecurityContext(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var pod in chart.PodTemplates.Concat(await SidecarPodFragmentsAsync(chart)))
        {
            if (pod.Spec.ContainsKey("securityContext"))
            {
                var podContext = pod.Spec["securityContext"]!;
                Assert.True(podContext["runAsNonRoot"]!.GetValue<bool>(), $"{pod.Owner}: pod runAsNonRoot");
                Assert.Equal(10001, (int)podContext["runAsUser"]!.GetValue<double>());
                Assert.Equal("RuntimeDefault", podContext["seccompProfile"]?["type"]?.GetValue<string>());
                Assert.False(pod.Spec["automountServiceAccountToken"]!.GetValue<bool>(), $"{pod.Owner}: no API token is needed");
            }

            foreach (var container in pod.AllContainers)
            {
                var where = $"{pod.Owner} container {container["name"]}";
                var resources = container["resources"];
                foreach (var path in new[] { "requests.cpu", "requests.memory", "limits.cpu", "limits.memory" })
                {
                    var parts = path.Split('.');
                    Assert.True(resources?[parts[0]]?[parts[1]] is not null, $"{where}: resources.{path} is missing");
                }

                var context = container["securityContext"];
                Assert.True(context?["runAsNonRoot"]?.GetValue<bool>() == true, $"{where}: runAsNonRoot");
                Assert.Equal(10001, (int)context!["runAsUser"]!.GetValue<double>());
                Assert.True(context["readOnlyRootFilesystem"]?.GetValue<bool>() == true, $"{where}: readOnlyRootFilesystem");
                Assert.True(context["allowPrivilegeEscalation"]?.GetValue<bool>() == false, $"{where}: allowPrivilegeEscalation");
                Assert.Contains("ALL", context["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()));
                Assert.Equal("RuntimeDefault", context["seccompProfile"]?["type"]?.GetValue<string>());
            }
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Containers_Serving_HaveLivenessAndReadinessProbesOnTheirOwnPorts(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var pod in chart.PodTemplates.Concat(await SidecarPodFragmentsAsync(chart)))
        {
            var serving = pod.LongRunningContainers.ToList();
            Assert.NotEmpty(serving);
            foreach (var container in serving)
            {
                foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
                {
                    var where = $"{pod.Owner} container {container["name"]} {probe}";
                    var spec = container[probe];
                    Assert.True(spec is not null, $"{where} is missing");
                    var port = spec!["httpGet"]?["port"] ?? spec["grpc"]?["port"];
                    Assert.True(port is not null, $"{where}: expected httpGet or grpc");
                    Assert.True(pod.HasContainerPort(port!), $"{where}: port {port!.ToJsonString()} is not a container port");
                    if (spec["httpGet"] is { } http)
                    {
                        Assert.Equal(probe == "livenessProbe" ? "/healthz" : "/readyz", http["path"]!.GetValue<string>());
                    }
                }
            }
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Autoscalers_Targets_AreRenderedDeploymentsThatLeaveReplicasToThem(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        foreach (var hpa in chart.OfKind("HorizontalPodAutoscaler"))
        {
            Assert.Equal("autoscaling/v2", hpa.Object["apiVersion"]!.GetValue<string>());
            var target = hpa.Spec["scaleTargetRef"]!;
            Assert.Equal("Deployment", target["kind"]!.GetValue<string>());
            var deployment = chart.Single("Deployment", target["name"]!.GetValue<string>());
            Assert.False(deployment.Spec.ContainsKey("replicas"), $"{deployment}: a fixed replica count would fight the autoscaler");
            Assert.True(hpa.Spec["minReplicas"]!.GetValue<double>() <= hpa.Spec["maxReplicas"]!.GetValue<double>());
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Monitors_Selectors_SelectRenderedServicesAndScrapeTheirNamedPorts(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var services = chart.OfKind("Service").ToList();

        foreach (var monitor in chart.OfKind("ServiceMonitor"))
        {
            Assert.Equal("monitoring.coreos.com/v1", monitor.Object["apiVersion"]!.GetValue<string>());
            var selected = services.Where(s => LabelSelector.Selects(monitor.Spec["selector"]!.AsObject(), s.Labels)).ToList();
            Assert.True(selected.Count > 0, $"{monitor} selects no Service");
            foreach (var endpoint in monitor.Spec["endpoints"]!.AsArray())
            {
                Assert.Equal("/metrics", endpoint!["path"]!.GetValue<string>());
                var port = endpoint["port"]!.GetValue<string>();
                Assert.All(selected, s => Assert.Contains(port, s.Spec["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>())));
            }
        }
    }

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task Notes_Render_NameEveryModelVersion(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);

        Assert.Contains($"Release {chart.Release} in namespace {chart.Namespace}", chart.Notes);
        Assert.DoesNotContain("<no value>", chart.Notes);
        foreach (var (model, version, _) in chart.ModelVersions)
        {
            Assert.Contains($"  {model} {version}: http://", chart.Notes);
        }
    }

    /// <summary>In sidecar mode, the router container from the snippet ConfigMap, as a pod fragment.</summary>
    private static async Task<IEnumerable<PodTemplate>> SidecarPodFragmentsAsync(RenderedChart chart) =>
        chart.RouterRendered && chart.RouterMode == "sidecar" ? [await RouterTests.RouterPodAsync(chart)] : [];
}
