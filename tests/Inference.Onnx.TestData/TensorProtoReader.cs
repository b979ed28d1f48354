using System.Buffers.Binary;

namespace Inference.Onnx.TestData;

/// <summary>
/// Reads serialized ONNX TensorProto messages (the input_N.pb / output_N.pb files of the backend test
/// suite). Field numbers follow onnx.proto: dims 1, data_type 2, segment 3, float_data 4, int32_data 5,
/// string_data 6, int64_data 7, name 8, raw_data 9, double_data 10, uint64_data 11, doc_string 12,
/// external_data 13, data_location 14.
/// </summary>
public static class TensorProtoReader
{
    public static TensorProtoData ReadFile(string path) => Parse(File.ReadAllBytes(path));

    public static TensorProtoData Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        var dims = new List<long>();
        var dataType = 0;
        var name = string.Empty;
        byte[]? raw = null;
        var strings = new List<byte[]>();
        var floats = new List<uint>();
        var doubles = new List<ulong>();
        var int32s = new List<long>();
        var int64s = new List<long>();
        var uint64s = new List<ulong>();

        while (!reader.End)
        {
            var (field, wireType) = reader.ReadTag();
            switch (field)
            {
                case 1: ReadVarints(ref reader, wireType, v => dims.Add((long)v)); break;
                case 2: dataType = (int)reader.ReadVarint(); break;
                case 4: ReadFixed32s(ref reader, wireType, floats); break;
                case 5: ReadVarints(ref reader, wireType, v => int32s.Add((int)(uint)v)); break;
                case 6: strings.Add(reader.ReadLengthDelimited().ToArray()); break;
                case 7: ReadVarints(ref reader, wireType, v => int64s.Add((long)v)); break;
                case 8: name = System.Text.Encoding.UTF8.GetString(reader.ReadLengthDelimited()); break;
                case 9: raw = reader.ReadLengthDelimited().ToArray(); break;
                case 10: ReadFixed64s(ref reader, wireType, doubles); break;
                case 11: ReadVarints(ref reader, wireType, uint64s.Add); break;
                case 14:
                    if (reader.ReadVarint() != 0)
                    {
                        throw new NotSupportedException("TensorProto with external data is not supported.");
                    }

                    break;
                case 3:
                    throw new NotSupportedException("Segmented TensorProto is not supported.");
                default: reader.Skip(wireType); break;
            }
        }

        var count = dims.Aggregate(1L, (c, d) => c * d);
        if (dataType == TensorProtoDataType.String)
        {
            return new TensorProtoData(name, dataType, dims, [], strings);
        }

        var size = TensorProtoDataType.SizeOf(dataType);
        if (size == 0)
        {
            throw new NotSupportedException($"TensorProto data type {TensorProtoDataType.Name(dataType)} is not supported.");
        }

        raw ??= Pack(dataType, size, floats, doubles, int32s, int64s, uint64s);
        if (raw.LongLength != count * size)
        {
            throw new InvalidDataException(
                $"TensorProto '{name}' ({TensorProtoDataType.Name(dataType)}, {count} elements) holds {raw.Length} bytes, expected {count * size}.");
        }

        return new TensorProtoData(name, dataType, dims, raw, []);
    }

    // Typed fields widen small types (int8, bool, fp16 bits… live in int32_data); narrow them back.
    private static byte[] Pack(int dataType, int size, List<uint> floats, List<ulong> doubles, List<long> int32s, List<long> int64s, List<ulong> uint64s)
    {
        switch (dataType)
        {
            case TensorProtoDataType.Float:
            case TensorProtoDataType.Complex64:
                return Write(floats.Count, 4, (span, i) => BinaryPrimitives.WriteUInt32LittleEndian(span, floats[i]));
            case TensorProtoDataType.Double:
            case TensorProtoDataType.Complex128:
                return Write(doubles.Count, 8, (span, i) => BinaryPrimitives.WriteUInt64LittleEndian(span, doubles[i]));
            case TensorProtoDataType.Int64:
                return Write(int64s.Count, 8, (span, i) => BinaryPrimitives.WriteInt64LittleEndian(span, int64s[i]));
            case TensorProtoDataType.UInt32:
                return Write(uint64s.Count, 4, (span, i) => BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)uint64s[i]));
            case TensorProtoDataType.UInt64:
                return Write(uint64s.Count, 8, (span, i) => BinaryPrimitives.WriteUInt64LittleEndian(span, uint64s[i]));
            default:
                return Write(int32s.Count, size, (span, i) =>
                {
                    var value = int32s[i];
                    switch (size)
                    {
                        case 1: span[0] = (byte)value; break;
                        case 2: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
                        default: BinaryPrimitives.WriteInt32LittleEndian(span, (int)value); break;
                    }
                });
        }
    }

    private delegate void ElementWriter(Span<byte> destination, int index);

    private static byte[] Write(int count, int size, ElementWriter write)
    {
        var bytes = new byte[count * size];
        for (var i = 0; i < count; i++)
        {
            write(bytes.AsSpan(i * size, size), i);
        }

        return bytes;
    }

    private static void ReadVarints(ref ProtoReader reader, int wireType, Action<ulong> add)
    {
        if (wireType == ProtoReader.LengthDelimited)
        {
            var packed = new ProtoReader(reader.ReadLengthDelimited());
            while (!packed.End)
            {
                add(packed.ReadVarint());
            }
        }
        else
        {
            add(reader.ReadVarint());
        }
    }

    private static void ReadFixed32s(ref ProtoReader reader, int wireType, List<uint> values)
    {
        if (wireType == ProtoReader.LengthDelimited)
        {
            var packed = new ProtoReader(reader.ReadLengthDelimited());
            while (!packed.End)
            {
                values.Add(packed.ReadFixed32());
            }
        }
        else
        {
            values.Add(reader.ReadFixed32());
        }
    }

    private static void ReadFixed64s(ref ProtoReader reader, int wireType, List<ulong> values)
    {
        if (wireType == ProtoReader.LengthDelimited)
        {
            var packed = new ProtoReader(reader.ReadLengthDelimited());
            while (!packed.End)
            {
                values.Add(packed.ReadFixed64());
            }
        }
        else
        {
            values.Add(reader.ReadFixed64());
        }
    }
}
