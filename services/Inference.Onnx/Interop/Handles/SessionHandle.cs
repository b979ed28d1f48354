namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtSession; released with ReleaseSession.</summary>
internal sealed unsafe class SessionHandle : OrtHandle
{
    public SessionHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        return true;
    }
}
