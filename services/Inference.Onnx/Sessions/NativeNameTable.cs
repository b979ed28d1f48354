using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Inference.Onnx;

/// <summary>
/// Input or output names kept as NUL-terminated UTF-8 in pinned (never moving) arrays, so a run passes
/// ONNX Runtime pointers into them without marshalling anything.
/// </summary>
internal sealed unsafe class NativeNameTable
{
    private readonly byte[] _text;
    private readonly IntPtr[] _pointers;
    private readonly Dictionary<string, int> _indexByName;

    public NativeNameTable(IReadOnlyList<string> names)
    {
        Names = names;
        var total = 0;
        foreach (var name in names)
        {
            total += Encoding.UTF8.GetByteCount(name) + 1;
        }

        _text = GC.AllocateUninitializedArray<byte>(Math.Max(total, 1), pinned: true);
        _pointers = GC.AllocateArray<IntPtr>(Math.Max(names.Count, 1), pinned: true);
        _indexByName = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);

        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_text));
        var offset = 0;
        for (var i = 0; i < names.Count; i++)
        {
            _pointers[i] = (IntPtr)(start + offset);
            offset += Encoding.UTF8.GetBytes(names[i], _text.AsSpan(offset));
            _text[offset++] = 0;
            _indexByName.TryAdd(names[i], i);
        }
    }

    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The pointer array itself (pinned): element i points at name i.</summary>
    public IntPtr* All => (IntPtr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pointers));

    public IntPtr this[int index] => _pointers[index];

    public int IndexOf(string name) => _indexByName.TryGetValue(name, out var index) ? index : -1;
}
