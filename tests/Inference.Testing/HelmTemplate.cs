using System.Text.Json.Nodes;

namespace Inference.Testing;

/// <summary>
/// Helm's template engine without helm: tests/helm/render.go (Go text/template + Sprig + Helm's own
/// functions), built once per test process with Debian's golang-go, golang-github-masterminds-sprig-dev
/// and golang-gopkg-yaml.v3-dev in GOPATH mode (offline). The peer is <see cref="Peers.GoRenderer"/>.
/// </summary>
public static class HelmTemplate
{
    public const string DebianGoPath = "/usr/share/gocode";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<Task<string>> Binary = new(BuildAsync);

    /// <summary>Why the renderer cannot be built here, or null when it can.</summary>
    public static string? Missing
    {
        get
        {
            if (Go is null)
            {
                return "the Go toolchain ('go' on PATH; Debian package golang-go) is missing";
            }

            string[] packages = ["github.com/Masterminds/sprig", "gopkg.in/yaml.v3"];
            foreach (var package in packages)
            {
                var found = GoPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                    .Any(root => Directory.Exists(Path.Combine(root, "src", package)));
                if (!found)
                {
                    return $"the Go package {package} is missing from GOPATH {GoPath} (Debian packages golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev)";
                }
            }

            return null;
        }
    }

    /// <summary>The go executable, or null.</summary>
    public static string? Go => Peers.FindExecutable("go");

    /// <summary>GOPATH for the build: the caller's entries first, then Debian's.</summary>
    public static string GoPath =>
        Environment.GetEnvironmentVariable("GOPATH") is { Length: > 0 } own ? $"{own}{Path.PathSeparator}{DebianGoPath}" : DebianGoPath;

    /// <summary>The environment of a go command in GOPATH mode, with no module proxy.</summary>
    public static IReadOnlyDictionary<string, string?> GoEnvironment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["GOPATH"] = GoPath,
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

    /// <summary>
    /// Renders <paramref name="chart"/> as <c>helm template</c> would, with its values.yaml and then
    /// <paramref name="valueFiles"/> (later wins): <c>{"manifests":[{"source","object"}],"notes","values"}</c>.
    /// </summary>
    /// <exception cref="RenderFailedException">The values or a template were refused.</exception>
    public static async Task<JsonObject> RenderAsync(string chart, string release, string ns, IEnumerable<string> valueFiles)
    {
        List<string> args = ["-chart", chart, "-name", release, "-namespace", ns, "-output", "json"];
        foreach (var file in valueFiles)
        {
            args.Add("-f");
            args.Add(file);
        }

        var result = await ChildProcess.RunAsync(await Binary.Value, args, timeout: RenderTimeout, workingDirectory: RepoPaths.Root);
        if (result.ExitCode != 0)
        {
            throw new RenderFailedException(result.Stderr.Trim());
        }

        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    /// <summary>Converts a YAML stream to a JSON array of its documents (Helm's typing: numbers are floats).</summary>
    public static async Task<JsonArray> YamlToJsonAsync(string yaml)
    {
        var result = await ChildProcess.RunAsync(await Binary.Value, ["-yaml-to-json"], timeout: RenderTimeout, workingDirectory: RepoPaths.Root, standardInput: yaml);
        if (result.ExitCode != 0)
        {
            throw new RenderFailedException(result.Stderr);
        }

        return JsonNode.Parse(result.Stdout)!.AsArray();
    }

    private static async Task<string> BuildAsync()
    {
        if (Missing is { } reason)
        {
            throw new InvalidOperationException($"cannot build the chart renderer: {reason}");
        }

        var output = Path.Combine(AppContext.BaseDirectory, "chart-renderer", OperatingSystem.IsWindows() ? "inference-render.exe" : "inference-render");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var result = await ChildProcess.RunAsync(
            Go!, ["build", "-o", output, "render.go"], GoEnvironment(), BuildTimeout, RepoPaths.HelmRenderer);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build of tests/helm/render.go failed:\n{result.Stderr}");
        }

        return output;
    }
}
