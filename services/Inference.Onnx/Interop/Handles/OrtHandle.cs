using System.Runtime.InteropServices;

namespace Inference.Onnx.Interop.Handles;

/// <summary>Base of the handles that own one ONNX Runtime object; zero means none.</summary>
internal abstract class OrtHandle : SafeHandle
{
    protected OrtHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    protected OrtHandle(IntPtr existing)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(existing);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The raw pointer, for a call made while the caller holds a reference to this handle.</summary>
    public IntPtr Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return handle;
        }
    }
}
