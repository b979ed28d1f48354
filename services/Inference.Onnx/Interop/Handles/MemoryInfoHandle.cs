namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtMemoryInfo; released with ReleaseMemoryInfo.</summary>
internal sealed unsafe class MemoryInfoHandle : OrtHandle
{
    public MemoryInfoHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseMemoryInfo(handle);
        return true;
    }
}
