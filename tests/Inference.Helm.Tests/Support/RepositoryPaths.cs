namespace Inference.Helm.Tests.Support;

internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Chart => Path.Combine(Root, "helm", "inference");

    public static string ChartCiFolder => Path.Combine(Chart, "ci");

    public static string RendererFolder => Path.Combine(Root, "tests", "helm");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inference.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Inference.sln above {AppContext.BaseDirectory}");
    }
}
