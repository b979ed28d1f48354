using System.Runtime.InteropServices;

namespace Inference.Onnx.Interop;

/// <summary>Finds and loads libonnxruntime once per process.</summary>
internal static class OrtLibrary
{
    public const string EnvironmentVariable = "INFERENCE_ONNXRUNTIME_LIBRARY";
    public const string FileName = "libonnxruntime.so.1";

    /// <summary>
    /// Resolve order: the file named by <see cref="EnvironmentVariable"/>; else the copy next to this
    /// assembly (or the application base); else the platform's default probing.
    /// </summary>
    public static IntPtr Load(out string source)
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            // An explicit choice must not silently fall back to another library.
            if (!NativeLibrary.TryLoad(configured, out var explicitHandle))
            {
                throw new DllNotFoundException(
                    $"{EnvironmentVariable} is set to '{configured}', but that library could not be loaded.");
            }

            source = configured;
            return explicitHandle;
        }

        foreach (var directory in CandidateDirectories())
        {
            var path = Path.Combine(directory, FileName);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var localHandle))
            {
                source = path;
                return localHandle;
            }
        }

        var assembly = typeof(OrtLibrary).Assembly;
        foreach (var name in new[] { FileName, "libonnxruntime.so", "onnxruntime" })
        {
            if (NativeLibrary.TryLoad(name, assembly, DllImportSearchPath.SafeDirectories, out var probed))
            {
                source = name;
                return probed;
            }
        }

        throw new DllNotFoundException(
            $"ONNX Runtime ({FileName}) was not found: set {EnvironmentVariable} to its path, or place it next to " +
            $"the application ({AppContext.BaseDirectory}). Building Inference.Onnx fetches it automatically.");
    }

    private static IEnumerable<string> CandidateDirectories()
    {
        var assemblyDirectory = Path.GetDirectoryName(typeof(OrtLibrary).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            yield return assemblyDirectory;
        }

        if (!string.Equals(
                Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory),
                assemblyDirectory,
                StringComparison.Ordinal))
        {
            yield return AppContext.BaseDirectory;
        }
    }
}
