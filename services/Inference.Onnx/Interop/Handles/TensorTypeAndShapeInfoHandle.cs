namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtTensorTypeAndShapeInfo; released with ReleaseTensorTypeAndShapeInfo.</summary>
internal sealed unsafe class TensorTypeAndShapeInfoHandle : OrtHandle
{
    public TensorTypeAndShapeInfoHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTensorTypeAndShapeInfo(handle);
        return true;
    }
}
