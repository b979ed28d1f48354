using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

/// <summary>
/// Builds tests/helm/render.go once per test run and renders helm/inference with it, the way
/// `helm template` would. Renders are cached by their arguments: the output is deterministic
/// apart from the generated admin token.
/// </summary>
internal static class ChartRenderer
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);
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
        var file = Path.Combine(Path.GetTempPath(), $"inference-helm-values-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, valuesYaml);
        try
        {
            return await RenderUncachedAsync(DefaultRelease, DefaultNamespace, [.. valueFilesBefore, file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Converts a YAML stream to JSON with the renderer (Helm's typing: numbers are floats).</summary>
    public static async Task<JsonArray> YamlToJsonAsync(string yaml)
    {
        var binary = await Binary.Value;
        var result = await ProcessRunner.RunAsync(binary, ["-yaml-to-json"], RepositoryPaths.Root, null, yaml, RenderTimeout, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new RenderFailedException(result.StandardError);
        }

        return JsonNode.Parse(result.StandardOutput)!.AsArray();
    }

    private static async Task<RenderedChart> RenderUncachedAsync(string release, string ns, string[] valueFiles)
    {
        var binary = await Binary.Value;
        List<string> args = ["-chart", RepositoryPaths.Chart, "-name", release, "-namespace", ns, "-output", "json"];
        foreach (var file in valueFiles)
        {
            args.Add("-f");
            args.Add(file);
        }

        var result = await ProcessRunner.RunAsync(binary, args, RepositoryPaths.Root, null, null, RenderTimeout, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new RenderFailedException(result.StandardError.Trim());
        }

        return RenderedChart.Parse(result.StandardOutput, release, ns);
    }

    /// <summary>Environment for Go in GOPATH mode, offline.</summary>
    public static Dictionary<string, string> GoEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["GOPATH"] = GoToolchain.GoPath,
            ["GO111MODULE"] = "off",
            ["GOPROXY"] = "off",
            ["GOFLAGS"] = "",
        };
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOCACHE"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HOME"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME")))
        {
            // Go refuses to build without a cache directory.
            environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "inference-helm-gocache");
        }

        return environment;
    }

    private static async Task<string> BuildAsync()
    {
        if (GoToolchain.Missing is { } reason)
        {
            throw new InvalidOperationException($"cannot build the chart renderer: {reason}");
        }

        var output = Path.Combine(AppContext.BaseDirectory, "chart-renderer", OperatingSystem.IsWindows() ? "inference-render.exe" : "inference-render");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var result = await ProcessRunner.RunAsync(
            GoToolchain.FindGo()!, ["build", "-o", output, "render.go"], RepositoryPaths.RendererFolder,
            GoEnvironment(), null, BuildTimeout, CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build of tests/helm/render.go failed:\n{result.StandardError}");
        }

        return output;
    }
}
