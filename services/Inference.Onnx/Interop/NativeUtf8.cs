using System.Runtime.InteropServices;

namespace Inference.Onnx.Interop;

/// <summary>A NUL-terminated UTF-8 copy of a string in native memory, for calls off the hot path.</summary>
internal readonly unsafe struct NativeUtf8 : IDisposable
{
    private readonly IntPtr _pointer;

    public NativeUtf8(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("ONNX Runtime names and options cannot contain NUL characters.", nameof(value));
        }

        _pointer = Marshal.StringToCoTaskMemUTF8(value);
    }

    public byte* Pointer => (byte*)_pointer;

    public void Dispose() => Marshal.FreeCoTaskMem(_pointer);

    /// <summary>Copies a NUL-terminated UTF-8 string owned by ONNX Runtime.</summary>
    public static string Read(byte* value) => Marshal.PtrToStringUTF8((IntPtr)value) ?? string.Empty;
}
