namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns an OrtCUDAProviderOptionsV2; released with ReleaseCUDAProviderOptions.</summary>
internal sealed unsafe class CudaProviderOptionsHandle : OrtHandle
{
    public CudaProviderOptionsHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseCUDAProviderOptions(handle);
        return true;
    }
}
