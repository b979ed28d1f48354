using Inference.Onnx.Interop;
using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx;

/// <summary>
/// Per-run settings, reusable across runs and threads. Passing none uses ONNX Runtime's defaults.
/// </summary>
public sealed unsafe class OnnxRunOptions : IDisposable
{
    public OnnxRunOptions(string? tag = null, int logSeverityLevel = 2)
    {
        Handle = Create();
        try
        {
            OrtApi.Check(OrtApi.RunOptionsSetRunLogSeverityLevel(Handle.Pointer, logSeverityLevel));
            if (!string.IsNullOrEmpty(tag))
            {
                using var native = new NativeUtf8(tag);
                OrtApi.Check(OrtApi.RunOptionsSetRunTag(Handle.Pointer, native.Pointer));
            }

            Tag = tag;
            LogSeverityLevel = logSeverityLevel;
        }
        catch
        {
            Handle.Dispose();
            throw;
        }
    }

    public string? Tag { get; }

    public int LogSeverityLevel { get; }

    internal RunOptionsHandle Handle { get; }

    /// <summary>Sets a run configuration entry (onnxruntime_run_options_config_keys.h).</summary>
    public void AddConfigEntry(string key, string value)
    {
        using var nativeKey = new NativeUtf8(key);
        using var nativeValue = new NativeUtf8(value);
        OrtApi.Check(OrtApi.AddRunConfigEntry(Handle.Pointer, nativeKey.Pointer, nativeValue.Pointer));
    }

    public void Dispose() => Handle.Dispose();

    internal static RunOptionsHandle Create()
    {
        OrtApi.EnsureLoaded();
        IntPtr options;
        OrtApi.Check(OrtApi.CreateRunOptions(&options));
        return new RunOptionsHandle(options);
    }
}
