using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>What the renderer produced: the objects, NOTES.txt, and the merged values.</summary>
internal sealed class RenderedChart
{
    private RenderedChart(IReadOnlyList<Manifest> manifests, string notes, JsonObject values, string release, string ns)
    {
        Manifests = manifests;
        Notes = notes;
        Values = values;
        Release = release;
        Namespace = ns;
    }

    public IReadOnlyList<Manifest> Manifests { get; }

    public string Notes { get; }

    public JsonObject Values { get; }

    public string Release { get; }

    public string Namespace { get; }

    public static RenderedChart Parse(JsonObject root, string release, string ns)
    {
        var manifests = root["manifests"]!.AsArray()
            .Select(m => new Manifest(m!["source"]!.GetValue<string>(), m["object"]!.AsObject()))
            .ToList();
        return new RenderedChart(manifests, root["notes"]!.GetValue<string>(), root["values"]!.AsObject(), release, ns);
    }

    public IEnumerable<Manifest> OfKind(string kind) => Manifests.Where(m => m.Kind == kind);

    public Manifest Single(string kind, string name) => Manifests.Single(m => m.Kind == kind && m.Name == name);

    /// <summary>The pod templates of every workload the chart renders.</summary>
    public IEnumerable<PodTemplate> PodTemplates =>
        OfKind("Deployment").Select(d =>
        {
            var template = d.Spec["template"]!.AsObject();
            return new PodTemplate(
                d.ToString(),
                template["metadata"]?["labels"]?.AsObject() ?? [],
                template["metadata"]?["annotations"]?.AsObject() ?? [],
                template["spec"]!.AsObject());
        });

    /// <summary>The models of the merged values: name → (version → version values).</summary>
    public IReadOnlyDictionary<string, JsonObject> Models =>
        (Values["models"]?.AsObject() ?? []).ToDictionary(p => p.Key, p => p.Value!.AsObject());

    public IEnumerable<(string Model, string Version, JsonObject Spec)> ModelVersions =>
        Models.SelectMany(m => m.Value["versions"]!.AsObject().Select(v => (m.Key, v.Key, v.Value!.AsObject())));

    public bool RouterRendered => Values["router"]!["enabled"]!.GetValue<bool>() && Models.Count > 0;

    public string RouterMode => Values["router"]!["mode"]!.GetValue<string>();

    /// <summary>
    /// The job label the Prometheus Operator gives the routers' targets: a ServiceMonitor's is the
    /// scraped Service's name, a PodMonitor's is "&lt;namespace&gt;/&lt;name&gt;".
    /// </summary>
    public string RouterJob
    {
        get
        {
            if (RouterMode != "gateway")
            {
                return $"{Namespace}/{OfKind("PodMonitor").Single().Name}";
            }

            var monitor = OfKind("ServiceMonitor").Single(m => m.Labels["app.kubernetes.io/component"]!.GetValue<string>() == "router");
            return OfKind("Service").Single(s => LabelSelector.Selects(monitor.Spec["selector"]!.AsObject(), s.Labels)).Name;
        }
    }

    /// <summary>The rule groups of the chart's PrometheusRule, as a Prometheus rules file holds them.</summary>
    public JsonArray RuleGroups => OfKind("PrometheusRule").Single().Spec["groups"]!.AsArray();
}
