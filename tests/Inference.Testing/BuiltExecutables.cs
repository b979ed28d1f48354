namespace Inference.Testing;

/// <summary>
/// The executables of the repository as the build leaves them in their own project folders (bin/&lt;configuration&gt;),
/// for tests that start them as processes without copying them next to the test assembly. A test project lists
/// them as project references with ReferenceOutputAssembly="false", so that building the tests builds them.
/// </summary>
public static class BuiltExecutables
{
    public static string ModelServer => Assembly("services", "Inference.ModelServer", "Inference.ModelServer.dll");

    public static string Router => Assembly("router", "Inference.Router", "Inference.Router.dll");

    public static string Batch => Assembly("services", "Inference.Batch", "inference-batch.dll");

    /// <summary>The assembly built in <c>&lt;folder&gt;/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0</c>, in the configuration the tests run in.</summary>
    public static string Assembly(string folder, string project, string assembly)
    {
        var path = RepoPaths.File(folder, project, "bin", Configuration, "net10.0", assembly);
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (build {project} in {Configuration})");
    }

    /// <summary>Release or Debug: the configuration of the running test assembly (its path holds bin/&lt;configuration&gt;/).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).SkipWhile(p => p != "bin").Skip(1).FirstOrDefault() ?? "Release";
}
