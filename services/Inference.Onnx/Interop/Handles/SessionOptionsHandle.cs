namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtSessionOptions; released with ReleaseSessionOptions.</summary>
internal sealed unsafe class SessionOptionsHandle : OrtHandle
{
    public SessionOptionsHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSessionOptions(handle);
        return true;
    }
}
