using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;

namespace Inference.Router.Shadow;

/// <summary>
/// One output tensor's elements, decoded for comparison: floating-point types as doubles, integer and boolean types
/// as 64-bit integers (UINT64 by its bits: equality is all that is asked of them), BYTES as byte strings.
/// </summary>
internal sealed class TensorValues
{
    private TensorValues(double[]? floats, long[]? integers, byte[][]? strings)
    {
        Floats = floats;
        Integers = integers;
        Strings = strings;
    }

    public double[]? Floats { get; }

    public long[]? Integers { get; }

    public byte[][]? Strings { get; }

    public int Count => Floats?.Length ?? Integers?.Length ?? Strings!.Length;

    /// <summary>Decodes the raw contents of a tensor of <paramref name="datatype"/>; null when they do not fit it.</summary>
    public static TensorValues? FromRaw(string datatype, ByteString raw)
    {
        var bytes = raw.Span;
        switch (datatype)
        {
            case Datatypes.Fp32:
                return DecodeFloats(bytes, 4, static b => BinaryPrimitives.ReadSingleLittleEndian(b));
            case Datatypes.Fp64:
                return DecodeFloats(bytes, 8, static b => BinaryPrimitives.ReadDoubleLittleEndian(b));
            case Datatypes.Fp16:
                return DecodeFloats(bytes, 2, static b => (double)BinaryPrimitives.ReadHalfLittleEndian(b));
            case Datatypes.Bf16:
                return DecodeFloats(bytes, 2, static b => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16));
            case Datatypes.Bool:
                return DecodeIntegers(bytes, 1, static b => b[0] != 0 ? 1 : 0);
            case Datatypes.Int8:
                return DecodeIntegers(bytes, 1, static b => (sbyte)b[0]);
            case Datatypes.UInt8:
                return DecodeIntegers(bytes, 1, static b => b[0]);
            case Datatypes.Int16:
                return DecodeIntegers(bytes, 2, static b => BinaryPrimitives.ReadInt16LittleEndian(b));
            case Datatypes.UInt16:
                return DecodeIntegers(bytes, 2, static b => BinaryPrimitives.ReadUInt16LittleEndian(b));
            case Datatypes.Int32:
                return DecodeIntegers(bytes, 4, static b => BinaryPrimitives.ReadInt32LittleEndian(b));
            case Datatypes.UInt32:
                return DecodeIntegers(bytes, 4, static b => BinaryPrimitives.ReadUInt32LittleEndian(b));
            case Datatypes.Int64:
            case Datatypes.UInt64:
                return DecodeIntegers(bytes, 8, static b => BinaryPrimitives.ReadInt64LittleEndian(b));
            case Datatypes.Bytes:
                var strings = new List<byte[]>();
                while (!bytes.IsEmpty)
                {
                    if (bytes.Length < 4)
                    {
                        return null;
                    }

                    var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
                    if (length > (uint)(bytes.Length - 4))
                    {
                        return null;
                    }

                    strings.Add(bytes.Slice(4, (int)length).ToArray());
                    bytes = bytes[(4 + (int)length)..];
                }

                return new TensorValues(null, null, [.. strings]);
            default:
                return null;
        }
    }

    /// <summary>Decodes typed contents of a tensor of <paramref name="datatype"/>; null for a datatype typed contents cannot carry.</summary>
    public static TensorValues? FromTyped(string datatype, InferTensorContents? contents)
    {
        contents ??= new InferTensorContents();
        return datatype switch
        {
            Datatypes.Fp32 => new TensorValues([.. contents.Fp32Contents.Select(static v => (double)v)], null, null),
            Datatypes.Fp64 => new TensorValues([.. contents.Fp64Contents], null, null),
            Datatypes.Bool => new TensorValues(null, [.. contents.BoolContents.Select(static v => v ? 1L : 0L)], null),
            Datatypes.Int8 or Datatypes.Int16 or Datatypes.Int32 => new TensorValues(null, [.. contents.IntContents.Select(static v => (long)v)], null),
            Datatypes.Int64 => new TensorValues(null, [.. contents.Int64Contents], null),
            Datatypes.UInt8 or Datatypes.UInt16 or Datatypes.UInt32 => new TensorValues(null, [.. contents.UintContents.Select(static v => (long)v)], null),
            Datatypes.UInt64 => new TensorValues(null, [.. contents.Uint64Contents.Select(static v => unchecked((long)v))], null),
            Datatypes.Bytes => new TensorValues(null, null, [.. contents.BytesContents.Select(static v => v.ToByteArray())]),
            _ => null,
        };
    }

    private delegate T Reader<T>(ReadOnlySpan<byte> bytes);

    private static TensorValues? DecodeFloats(ReadOnlySpan<byte> bytes, int size, Reader<double> read)
    {
        if (bytes.Length % size != 0)
        {
            return null;
        }

        var values = new double[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes.Slice(i * size, size));
        }

        return new TensorValues(values, null, null);
    }

    private static TensorValues? DecodeIntegers(ReadOnlySpan<byte> bytes, int size, Reader<long> read)
    {
        if (bytes.Length % size != 0)
        {
            return null;
        }

        var values = new long[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes.Slice(i * size, size));
        }

        return new TensorValues(null, values, null);
    }
}
