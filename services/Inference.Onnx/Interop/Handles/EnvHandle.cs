namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtEnv; released with ReleaseEnv.</summary>
internal sealed unsafe class EnvHandle : OrtHandle
{
    public EnvHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseEnv(handle);
        return true;
    }
}
