using Inference.Onnx.Interop.Handles;

namespace Inference.Onnx.Interop;

/// <summary>
/// Process-wide ONNX Runtime objects: the one OrtEnv every session shares, the default CPU allocator
/// and the CPU memory description used for tensors over caller memory. Created on first use and
/// kept for the life of the process (sessions must not outlive their env).
/// </summary>
internal static unsafe class OrtEnvironment
{
    private const int LoggingLevelWarning = 2;
    private const int DeviceAllocator = 0;
    private const int MemTypeDefault = 0;

    private static readonly Lazy<State> s_state = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static EnvHandle Env => s_state.Value.Env;

    public static IntPtr DefaultAllocator => s_state.Value.Allocator;

    public static MemoryInfoHandle CpuMemoryInfo => s_state.Value.CpuMemoryInfo;

    private static State Create()
    {
        OrtApi.EnsureLoaded();

        IntPtr env;
        fixed (byte* logId = "inference"u8)
        {
            // ONNX Runtime's own logger writes coloured multi-part lines to stdout; route its messages
            // through OnnxRuntimeLog so a host can put them in its own log.
            OrtApi.Check(OrtApi.CreateEnvWithCustomLogger(&OnnxRuntimeLog.OnNativeMessage, IntPtr.Zero, LoggingLevelWarning, logId, &env));
        }

        var envHandle = new EnvHandle(env);

        IntPtr allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));

        IntPtr memoryInfo;
        OrtApi.Check(OrtApi.CreateCpuMemoryInfo(DeviceAllocator, MemTypeDefault, &memoryInfo));

        return new State(envHandle, allocator, new MemoryInfoHandle(memoryInfo));
    }

    private sealed record State(EnvHandle Env, IntPtr Allocator, MemoryInfoHandle CpuMemoryInfo);
}
