namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtRunOptions; released with ReleaseRunOptions.</summary>
internal sealed unsafe class RunOptionsHandle : OrtHandle
{
    public RunOptionsHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseRunOptions(handle);
        return true;
    }
}
