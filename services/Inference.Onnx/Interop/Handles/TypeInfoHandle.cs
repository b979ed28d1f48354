namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtTypeInfo; released with ReleaseTypeInfo.</summary>
internal sealed unsafe class TypeInfoHandle : OrtHandle
{
    public TypeInfoHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTypeInfo(handle);
        return true;
    }
}
