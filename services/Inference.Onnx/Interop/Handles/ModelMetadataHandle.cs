namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtModelMetadata; released with ReleaseModelMetadata.</summary>
internal sealed unsafe class ModelMetadataHandle : OrtHandle
{
    public ModelMetadataHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseModelMetadata(handle);
        return true;
    }
}
