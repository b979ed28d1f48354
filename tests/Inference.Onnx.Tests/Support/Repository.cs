namespace Inference.Onnx.Tests.Support;

/// <summary>The source tree the tests were built from (found by walking up to Inference.sln).</summary>
internal static class Repository
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

    public static string ModelsDirectory => Path.Combine(Root, "tests", "models");
}
