namespace Inference.ModelServer.Tests;

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

    public static string Iris(int version) => Path.Combine(Root, "tests", "models", "iris", version.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.onnx");

    public static string IrisExpected(int version) => Path.Combine(Path.GetDirectoryName(Iris(version))!, "expected.json");

    public static string Fixture(string file) => Path.Combine(Root, "tests", "models", "fixtures", file);

    public static string Protos => Path.Combine(Root, "protos");
}
