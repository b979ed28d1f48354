namespace Inference.Onnx.Interop.Handles;

/// <summary>Owns a block that ONNX Runtime allocated with the default allocator (names, strings).</summary>
internal sealed unsafe class AllocatedBufferHandle : OrtHandle
{
    public AllocatedBufferHandle(IntPtr existing)
        : base(existing)
    {
    }

    protected override bool ReleaseHandle()
    {
        // A failed free has nowhere to be reported from a release; the status is dropped.
        var status = OrtApi.AllocatorFree(OrtEnvironment.DefaultAllocator, (void*)handle);
        if (status != IntPtr.Zero)
        {
            OrtApi.ReleaseStatus(status);
        }

        return true;
    }
}
