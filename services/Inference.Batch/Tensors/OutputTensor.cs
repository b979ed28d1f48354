using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Inference.Batch.Tensors;

/// <summary>
/// One output of a Run, as raw OIP contents, read row by row: row r holds elements
/// [r × <see cref="RowElements"/>, (r + 1) × <see cref="RowElements"/>).
/// </summary>
internal sealed class OutputTensor
{
    private readonly ByteString _contents;
    private readonly int[]? _stringStarts;

    public OutputTensor(string name, ElementType type, IReadOnlyList<long> shape, ByteString contents, int rows)
    {
        Name = name;
        Type = type;
        _contents = contents;
        long total = 1;
        foreach (var dimension in shape)
        {
            total *= dimension;
        }

        if (rows == 0 || total % rows != 0)
        {
            throw new InvalidDataException($"output '{name}' has shape [{string.Join(',', shape)}], which does not split into {rows} rows");
        }

        RowElements = (int)(total / rows);
        if (type == ElementType.Bytes)
        {
            _stringStarts = IndexStrings(name, contents.Span, (int)total);
        }
        else if (contents.Length != total * type.Size())
        {
            throw new InvalidDataException($"output '{name}' has {contents.Length} bytes of contents; shape [{string.Join(',', shape)}] of {type} needs {total * type.Size()}");
        }
    }

    public string Name { get; }

    public ElementType Type { get; }

    public int RowElements { get; }

    /// <summary>Writes element <paramref name="index"/> of row <paramref name="row"/> as text (numbers round-trip exactly).</summary>
    public void AppendText(int row, int index, StringBuilder text)
    {
        var at = row * RowElements + index;
        Span<char> buffer = stackalloc char[32];
        int written;
        switch (Type)
        {
            case ElementType.Bytes:
                text.Append(StringAt(at));
                return;
            case ElementType.Bool:
                text.Append(Span[at] != 0 ? "true" : "false");
                return;
            case ElementType.Fp32 or ElementType.Fp16 or ElementType.Bf16:
                SingleAt(at).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                break;
            case ElementType.Fp64:
                Read<double>(at).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                break;
            case ElementType.UInt64:
                Read<ulong>(at).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                break;
            default:
                Int64At(at).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                break;
        }

        text.Append(buffer[..written]);
    }

    /// <summary>Writes element <paramref name="index"/> of row <paramref name="row"/> as a JSON value.</summary>
    public void WriteJson(int row, int index, Utf8JsonWriter json)
    {
        var at = row * RowElements + index;
        switch (Type)
        {
            case ElementType.Bytes:
                json.WriteStringValue(StringAt(at));
                break;
            case ElementType.Bool:
                json.WriteBooleanValue(Span[at] != 0);
                break;
            case ElementType.Fp32 or ElementType.Fp16 or ElementType.Bf16:
                JsonNumbers.Write(json, SingleAt(at));
                break;
            case ElementType.Fp64:
                JsonNumbers.Write(json, Read<double>(at));
                break;
            case ElementType.UInt64:
                json.WriteNumberValue(Read<ulong>(at));
                break;
            default:
                json.WriteNumberValue(Int64At(at));
                break;
        }
    }

    public float SingleAt(int at) => Type switch
    {
        ElementType.Fp16 => (float)Read<Half>(at),
        ElementType.Bf16 => BFloat16Bits.ToSingle(Read<ushort>(at)),
        _ => Read<float>(at),
    };

    public double DoubleAt(int at) => Read<double>(at);

    public bool BoolAt(int at) => Span[at] != 0;

    public ulong UInt64At(int at) => Read<ulong>(at);

    public long Int64At(int at) => Type switch
    {
        ElementType.UInt8 => Span[at],
        ElementType.Int8 => (sbyte)Span[at],
        ElementType.UInt16 => Read<ushort>(at),
        ElementType.Int16 => Read<short>(at),
        ElementType.UInt32 => Read<uint>(at),
        ElementType.Int32 => Read<int>(at),
        ElementType.UInt64 => (long)Read<ulong>(at),
        _ => Read<long>(at),
    };

    public string StringAt(int at)
    {
        var start = _stringStarts![at];
        var length = BinaryPrimitives.ReadInt32LittleEndian(Span[start..]);
        return Encoding.UTF8.GetString(Span.Slice(start + 4, length));
    }

    private ReadOnlySpan<byte> Span => _contents.Span;

    private T Read<T>(int at)
        where T : unmanaged =>
        MemoryMarshal.Read<T>(Span[(at * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())..]);

    private static int[] IndexStrings(string name, ReadOnlySpan<byte> contents, int count)
    {
        var starts = new int[count];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            if (offset + 4 > contents.Length)
            {
                throw new InvalidDataException($"output '{name}' ends before its element {i} of {count}");
            }

            starts[i] = offset;
            var length = BinaryPrimitives.ReadInt32LittleEndian(contents[offset..]);
            if (length < 0 || offset + 4 + length > contents.Length)
            {
                throw new InvalidDataException($"output '{name}' has a malformed BYTES element {i}");
            }

            offset += 4 + length;
        }

        return starts;
    }
}
