using System.Text;
using System.Text.Json.Nodes;

namespace Inference.Images.Tests.Infrastructure;

/// <summary>The chart rendered with test values: its containers' images, flags and mounted files.</summary>
internal sealed class ChartRelease
{
    public const string Release = "prod";
    public const string Namespace = "ml";

    private readonly IReadOnlyList<JsonObject> _objects;

    private ChartRelease(IReadOnlyList<JsonObject> objects) => _objects = objects;

    public static async Task<ChartRelease> RenderAsync(string valuesYaml)
    {
        using var directory = new TempDirectory("image-values");
        var values = directory.File("values.yaml");
        await File.WriteAllTextAsync(values, valuesYaml);
        var rendered = await HelmTemplate.RenderAsync(RepoPaths.Chart, Release, Namespace, [values]);
        return new ChartRelease(rendered["manifests"]!.AsArray().Select(m => m!["object"]!.AsObject()).ToList());
    }

    /// <summary>The container <paramref name="container"/> of Deployment <paramref name="deployment"/>.</summary>
    public ChartContainer Container(string deployment, string container) => Container("Deployment", deployment, container);

    /// <summary>The container <paramref name="container"/> of the workload (Deployment, Job) <paramref name="kind"/> <paramref name="name"/>.</summary>
    public ChartContainer Container(string kind, string name, string container)
    {
        var pod = Object(kind, name)["spec"]!["template"]!["spec"]!;
        var spec = pod["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == container)!;
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!.AsObject());
        return new ChartContainer(
            spec["image"]!.GetValue<string>(),
            spec["command"]?.AsArray().Select(a => a!.GetValue<string>()).ToList(),
            spec["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList(),
            spec["volumeMounts"]!.AsArray()
                .Select(m => new ChartMount(m!["mountPath"]!.GetValue<string>(), m["readOnly"]?.GetValue<bool>() ?? false, volumes[m["name"]!.GetValue<string>()]))
                .ToList());
    }

    /// <summary>The files a ConfigMap or Secret volume shows in the container: file name → contents.</summary>
    public IReadOnlyDictionary<string, string> Files(JsonObject volume)
    {
        if (volume["configMap"] is { } configMap)
        {
            var data = Object("ConfigMap", configMap["name"]!.GetValue<string>())["data"]!.AsObject();
            return Select(data.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()), configMap["items"]);
        }

        var secret = volume["secret"]!;
        var secretData = Object("Secret", secret["secretName"]!.GetValue<string>());
        var decoded = (secretData["data"]?.AsObject() ?? [])
            .ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(Convert.FromBase64String(p.Value!.GetValue<string>())));
        foreach (var (key, value) in secretData["stringData"]?.AsObject() ?? [])
        {
            decoded[key] = value!.GetValue<string>();
        }

        return Select(decoded, secret["items"]);
    }

    private JsonObject Object(string kind, string name) =>
        _objects.SingleOrDefault(o => o["kind"]!.GetValue<string>() == kind && o["metadata"]!["name"]!.GetValue<string>() == name)
        ?? throw new InvalidOperationException($"the chart rendered no {kind} {name}");

    // A volume with items shows only those keys, each under its path.
    private static Dictionary<string, string> Select(Dictionary<string, string> data, JsonNode? items) =>
        items is JsonArray list
            ? list.ToDictionary(i => i!["path"]!.GetValue<string>(), i => data[i!["key"]!.GetValue<string>()])
            : data;
}
