using System.Buffers;

namespace Inference.Onnx.Interop.Handles;

/// <summary>
/// Owns an OrtValue and, for a tensor over caller memory, the pin on that memory: the memory is
/// unpinned only after ONNX Runtime has released the value, even if a Run still held the handle
/// when the value was disposed.
/// </summary>
internal sealed unsafe class ValueHandle : OrtHandle
{
    private MemoryHandle _pin;

    public ValueHandle(IntPtr existing)
        : base(existing)
    {
    }

    public ValueHandle(IntPtr existing, MemoryHandle pin)
        : base(existing)
    {
        _pin = pin;
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        _pin.Dispose();
        return true;
    }
}
