using System.Globalization;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>Files of the repository the tests use (found by walking up to Inference.sln).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inference.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Inference.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => s_root.Value;

    public static string Protos => Path.Combine(Root, "protos");

    public static string IrisModel(string version) => Path.Combine(Root, "tests", "models", "iris", version, "model.onnx");

    public static string IrisExpected(string version) => Path.Combine(Root, "tests", "models", "iris", version, "expected.json");

    /// <summary>The executables built next to the tests (project references copy them here).</summary>
    public static string BuiltModelServer => Path.Combine(AppContext.BaseDirectory, "Inference.ModelServer.dll");

    public static string BuiltRouter => Path.Combine(AppContext.BaseDirectory, "Inference.Router.dll");

    public static string InteropScript(string name) => Path.Combine(AppContext.BaseDirectory, "interop", name);

    public static string Version(int version) => version.ToString(CultureInfo.InvariantCulture);
}
