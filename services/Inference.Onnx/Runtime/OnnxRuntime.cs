using Inference.Onnx.Interop;

namespace Inference.Onnx;

/// <summary>Facts about the loaded ONNX Runtime library.</summary>
public static unsafe class OnnxRuntime
{
    /// <summary>The C API version this binding requests (the oldest runtime it works with is 1.15).</summary>
    public const int ApiVersion = (int)OrtApi.RequestedApiVersion;

    /// <summary>The runtime's version, e.g. "1.30.0".</summary>
    public static string Version => OrtApi.VersionString;

    /// <summary>Where the native library was loaded from (a path, or a name resolved by default probing).</summary>
    public static string LibraryPath => OrtApi.LibrarySource;

    /// <summary>The runtime's build description (git commit, compiler flags).</summary>
    public static string BuildInfo
    {
        get
        {
            OrtApi.EnsureLoaded();
            return NativeUtf8.Read(OrtApi.GetBuildInfoString());
        }
    }

    /// <summary>
    /// The execution providers compiled into the runtime, e.g. "CPUExecutionProvider". Being listed does not
    /// guarantee a provider works (its own libraries may be missing), but one not listed cannot be used.
    /// </summary>
    public static IReadOnlyList<string> GetAvailableProviders()
    {
        OrtApi.EnsureLoaded();
        byte** providers;
        int count;
        OrtApi.Check(OrtApi.GetAvailableProviders(&providers, &count));
        try
        {
            var names = new string[count];
            for (var i = 0; i < count; i++)
            {
                names[i] = NativeUtf8.Read(providers[i]);
            }

            return names;
        }
        finally
        {
            OrtApi.Check(OrtApi.ReleaseAvailableProviders(providers, count));
        }
    }
}
