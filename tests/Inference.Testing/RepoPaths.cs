using System.Globalization;

namespace Inference.Testing;

/// <summary>Files of the repository the tests use, found by walking up from the test assembly to Inference.sln.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Inference.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Inference.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => s_root.Value;

    /// <summary>A path below the repository root.</summary>
    public static string File(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Protos => File("protos");

    public static string Models => File("tests", "models");

    public static string IrisModel(int version) => IrisModel(version.ToString(CultureInfo.InvariantCulture));

    public static string IrisModel(string version) => File("tests", "models", "iris", version, "model.onnx");

    public static string IrisExpected(int version) => IrisExpected(version.ToString(CultureInfo.InvariantCulture));

    public static string IrisExpected(string version) => File("tests", "models", "iris", version, "expected.json");

    public static string Fixture(string file) => File("tests", "models", "fixtures", file);

    public static string Chart => File("helm", "inference");

    /// <summary>The chart's example values files (helm/inference/ci).</summary>
    public static string ChartCiFolder => File("helm", "inference", "ci");

    /// <summary>tests/helm: the chart renderer's sources.</summary>
    public static string HelmRenderer => File("tests", "helm");

    /// <summary>An assembly built next to the running tests (project references copy executables there).</summary>
    public static string Built(string assemblyFile) => System.IO.Path.Combine(AppContext.BaseDirectory, assemblyFile);
}
