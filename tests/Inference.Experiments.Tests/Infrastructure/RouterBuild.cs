namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>The router dll built by the same configuration as these tests (its project is a build-only reference).</summary>
internal static class RouterBuild
{
    public static string Assembly { get; } = Locate();

    private static string Locate()
    {
        // This assembly runs from tests/Inference.Experiments.Tests/bin/<configuration>/<framework>/.
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!;
        for (var directory = configuration.Parent; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inference.sln")))
            {
                var path = Path.Combine(directory.FullName, "router", "Inference.Router", "bin", configuration.Name, framework.Name, "Inference.Router.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"the router is not built for {configuration.Name}/{framework.Name}", path);
            }
        }

        throw new InvalidOperationException("Inference.sln not found above " + AppContext.BaseDirectory);
    }
}
