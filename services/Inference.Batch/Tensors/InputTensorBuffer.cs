using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Inference.Batch.Models;

namespace Inference.Batch.Tensors;

/// <summary>
/// The raw OIP contents of one model input for the rows of one Run, written element by element as the rows are read
/// (little-endian, BYTES as a 4-byte length then the bytes). Each append converts one cell value to the input's
/// datatype and returns why it cannot (null when it could); a row that fails is rewound, so the buffer only ever
/// holds whole, valid rows.
/// </summary>
internal sealed class InputTensorBuffer : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private readonly List<int> _rowEnds = [];

    public InputTensorBuffer(TensorSpec spec, int expectedRows)
    {
        Spec = spec;
        Type = ElementTypes.Parse(spec.Datatype);
        var perRow = (int)Math.Min(spec.ElementsPerRow ?? 1, 1 << 20);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, expectedRows * perRow * Math.Max(Type.Size(), 8)));
    }

    public TensorSpec Spec { get; }

    public ElementType Type { get; }

    /// <summary>Whole rows written.</summary>
    public int Rows => _rowEnds.Count;

    /// <summary>Elements the current, unfinished row holds so far.</summary>
    private int PendingElements { get; set; }

    /// <summary>Elements per row, fixed by the first row for inputs whose rows the model does not size.</summary>
    public int? RowElements { get; private set; }

    /// <summary>The bytes of rows [first, first + count).</summary>
    public ReadOnlyMemory<byte> RowContents(int first, int count)
    {
        var start = first == 0 ? 0 : _rowEnds[first - 1];
        return _buffer.AsMemory(start, _rowEnds[first + count - 1] - start);
    }

    /// <summary>Where the current row started: <see cref="RewindRow"/> goes back here.</summary>
    private int RowStart => _rowEnds.Count == 0 ? 0 : _rowEnds[^1];

    /// <summary>Ends the current row; returns why it cannot be one (wrong element count), rewinding it then.</summary>
    public string? EndRow()
    {
        var expected = Spec.ElementsPerRow ?? RowElements;
        if (expected is { } count && PendingElements != count)
        {
            var got = PendingElements;
            RewindRow();
            return $"input '{Spec.Name}' needs {count} values per row, the row has {got}";
        }

        RowElements ??= PendingElements;
        _rowEnds.Add(_length);
        PendingElements = 0;
        return null;
    }

    /// <summary>Drops the current, unfinished row.</summary>
    public void RewindRow()
    {
        _length = RowStart;
        PendingElements = 0;
    }

    /// <summary>Drops the last whole row (another input of the same row failed).</summary>
    public void DropLastRow()
    {
        _rowEnds.RemoveAt(_rowEnds.Count - 1);
        _length = RowStart;
        PendingElements = 0;
        if (_rowEnds.Count == 0 && Spec.ElementsPerRow is null)
        {
            RowElements = null;
        }
    }

    public void Clear()
    {
        _rowEnds.Clear();
        _length = 0;
        PendingElements = 0;
        RowElements = null;
    }

    /// <summary>A value given as text (a CSV field, a JSON number's or string's text).</summary>
    public string? AppendText(ReadOnlySpan<char> text)
    {
        switch (Type)
        {
            case ElementType.Bytes:
                return AppendUtf8(text);
            case ElementType.Bool:
                if (bool.TryParse(text, out var flag))
                {
                    return AppendBool(flag);
                }

                return text is "0" or "1" ? AppendBool(text[0] == '1') : Refuse(text, "true, false, 1 or 0");
            case ElementType.Fp32 or ElementType.Bf16:
                return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var single)
                    ? AppendSingle(single)
                    : Refuse(text, "a number");
            case ElementType.Fp16:
                return Half.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var half)
                    ? Write(half)
                    : Refuse(text, "a number");
            case ElementType.Fp64:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? Write(number)
                    : Refuse(text, "a number");
            case ElementType.UInt64:
                return ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unsigned)
                    ? AppendUInt64(unsigned)
                    : Refuse(text, "an integer from 0 to " + ulong.MaxValue.ToString(CultureInfo.InvariantCulture));
            default:
                var (min, max) = Type.Range();
                return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)
                    ? AppendInt64(integer)
                    : Refuse(text, $"an integer from {min} to {max}");
        }
    }

    public string? AppendInt64(long value)
    {
        if (Type.IsInteger())
        {
            var (min, max) = Type.Range();
            if (value < min || (value > 0 && (ulong)value > max))
            {
                return $"{value} is out of range for input '{Spec.Name}' ({Spec.Datatype}: {min} to {max})";
            }

            return WriteInteger(value);
        }

        return Type switch
        {
            ElementType.Fp64 => Write((double)value),
            ElementType.Fp32 or ElementType.Bf16 => AppendSingle(value),
            ElementType.Fp16 => Write((Half)value),
            ElementType.Bool when value is 0 or 1 => AppendBool(value == 1),
            ElementType.Bytes => AppendUtf8(value.ToString(CultureInfo.InvariantCulture)),
            _ => $"{value} is not a boolean (input '{Spec.Name}' is BOOL: true, false, 1 or 0)",
        };
    }

    public string? AppendUInt64(ulong value) =>
        Type == ElementType.UInt64 ? Write(value)
        : value <= long.MaxValue ? AppendInt64((long)value)
        : $"{value} is out of range for input '{Spec.Name}' ({Spec.Datatype})";

    public string? AppendDouble(double value)
    {
        switch (Type)
        {
            case ElementType.Fp64:
                return Write(value);
            case ElementType.Fp32 or ElementType.Bf16:
                return AppendSingle((float)value);
            case ElementType.Fp16:
                return Write((Half)value);
            case ElementType.Bytes:
                return AppendUtf8(value.ToString(CultureInfo.InvariantCulture));
            default:
                // An integer input takes a whole number exactly; anything else would be a silent truncation.
                if (double.IsFinite(value) && Math.Floor(value) == value && Math.Abs(value) < 9.2e18)
                {
                    return AppendInt64((long)value);
                }

                return $"{value.ToString(CultureInfo.InvariantCulture)} is not {(Type == ElementType.Bool ? "a boolean" : "an integer")} (input '{Spec.Name}' is {Spec.Datatype})";
        }
    }

    public string? AppendBool(bool value)
    {
        if (Type == ElementType.Bool)
        {
            return WriteByte(value ? (byte)1 : (byte)0);
        }

        return Type == ElementType.Bytes
            ? AppendUtf8(value ? "true" : "false")
            : $"a boolean is not a value of input '{Spec.Name}' ({Spec.Datatype})";
    }

    /// <summary>A string cell: taken as text for numeric inputs, as the string for BYTES inputs.</summary>
    public string? AppendString(ReadOnlySpan<char> value) => AppendText(value);

    public string? AppendBytes(ReadOnlySpan<byte> value)
    {
        if (Type != ElementType.Bytes)
        {
            return $"binary data is not a value of input '{Spec.Name}' ({Spec.Datatype})";
        }

        var span = Grow(4 + value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Length);
        value.CopyTo(span[4..]);
        return Advance(4 + value.Length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private string? AppendUtf8(ReadOnlySpan<char> text)
    {
        if (Type != ElementType.Bytes)
        {
            return AppendText(text);
        }

        var count = Encoding.UTF8.GetByteCount(text);
        var span = Grow(4 + count);
        BinaryPrimitives.WriteInt32LittleEndian(span, count);
        Encoding.UTF8.GetBytes(text, span[4..]);
        return Advance(4 + count);
    }

    private string? AppendSingle(float value) =>
        Type == ElementType.Bf16 ? Write(BFloat16Bits.FromSingle(value)) : Write(value);

    private string? WriteInteger(long value) => Type switch
    {
        ElementType.UInt8 or ElementType.Int8 => WriteByte((byte)value),
        ElementType.UInt16 or ElementType.Int16 => Write((ushort)value),
        ElementType.UInt32 or ElementType.Int32 => Write((uint)value),
        _ => Write(value),
    };

    private string? Refuse(ReadOnlySpan<char> text, string expected)
    {
        var shown = text.Length > 40 ? string.Concat(text[..40], "…") : text.ToString();
        return $"'{shown}' is not {expected} (input '{Spec.Name}' is {Spec.Datatype})";
    }

    private string? WriteByte(byte value)
    {
        Grow(1)[0] = value;
        return Advance(1);
    }

    private string? Write<T>(T value)
        where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        System.Runtime.InteropServices.MemoryMarshal.Write(Grow(size), in value);
        return Advance(size);
    }

    private string? Advance(int bytes)
    {
        _length += bytes;
        PendingElements++;
        return null;
    }

    private Span<byte> Grow(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length, bytes);
    }
}
