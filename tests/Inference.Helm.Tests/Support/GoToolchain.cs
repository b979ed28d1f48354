namespace Inference.Helm.Tests.Support;

/// <summary>
/// The Go toolchain and the two libraries the renderer imports, in GOPATH mode: Debian's
/// golang-go, golang-github-masterminds-sprig-dev and golang-gopkg-yaml.v3-dev, which install
/// their sources under /usr/share/gocode.
/// </summary>
internal static class GoToolchain
{
    public const string DebianGoPath = "/usr/share/gocode";

    private static readonly Lazy<string?> MissingReason = new(FindMissing);

    /// <summary>Why the renderer cannot be built here, or null when it can.</summary>
    public static string? Missing => MissingReason.Value;

    /// <summary>GOPATH for the build: the caller's entries first, then Debian's.</summary>
    public static string GoPath
    {
        get
        {
            var own = Environment.GetEnvironmentVariable("GOPATH");
            return string.IsNullOrEmpty(own) ? DebianGoPath : $"{own}{Path.PathSeparator}{DebianGoPath}";
        }
    }

    public static string? FindGo() => ExecutableSearch.OnPath("go");

    private static string? FindMissing()
    {
        if (FindGo() is null)
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
