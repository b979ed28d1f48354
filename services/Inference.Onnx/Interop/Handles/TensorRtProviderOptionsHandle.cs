namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtTensorRTProviderOptionsV2; released with ReleaseTensorRTProviderOptions.</summary>
internal sealed unsafe class TensorRtProviderOptionsHandle : OrtHandle
{
    public TensorRtProviderOptionsHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseTensorRTProviderOptions(handle);
        return true;
    }
}
