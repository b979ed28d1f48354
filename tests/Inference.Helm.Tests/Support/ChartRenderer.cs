using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>
/// Renders helm/inference with the shared renderer (<see cref="HelmTemplate"/>), the way `helm template`
/// would. Renders are cached by their arguments: the output is deterministic apart from the generated
/// admin token.
/// </summary>
internal static class ChartRenderer
{
    private static readonly ConcurrentDictionary<string, Task<RenderedChart>> Cache = new();

    public const string DefaultRelease = "prod";
    public const string DefaultNamespace = "ml";

    /// <summary>Renders with the chart's values.yaml plus the given values files (later wins).</summary>
    public static Task<RenderedChart> RenderAsync(params string[] valueFiles) =>
        RenderAsync(DefaultRelease, DefaultNamespace, valueFiles);

    public static Task<RenderedChart> RenderAsync(string release, string ns, params string[] valueFiles)
    {
        var key = string.Join('\n', [release, ns, .. valueFiles]);
        return Cache.GetOrAdd(key, _ => RenderUncachedAsync(release, ns, valueFiles));
    }

    /// <summary>Renders with values given as YAML text (written to a temporary file) over the chart's values.</summary>
    public static async Task<RenderedChart> RenderYamlAsync(string valuesYaml, params string[] valueFilesBefore)
    {
        using var directory = new TempDirectory("helm-values");
        var file = directory.File("values.yaml");
        await File.WriteAllTextAsync(file, valuesYaml);
        return await RenderUncachedAsync(DefaultRelease, DefaultNamespace, [.. valueFilesBefore, file]);
    }

    /// <summary>Converts a YAML stream to JSON with the renderer (Helm's typing: numbers are floats).</summary>
    public static Task<JsonArray> YamlToJsonAsync(string yaml) => HelmTemplate.YamlToJsonAsync(yaml);

    private static async Task<RenderedChart> RenderUncachedAsync(string release, string ns, string[] valueFiles) =>
        RenderedChart.Parse(await HelmTemplate.RenderAsync(RepoPaths.Chart, release, ns, valueFiles), release, ns);
}
