namespace Inference.Onnx.TestData;

/// <summary>Just enough of the protobuf wire format to walk a TensorProto.</summary>
internal ref struct ProtoReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly bool End => _position >= _buffer.Length;

    public (int Field, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        var field = (int)(tag >> 3);
        if (field == 0)
        {
            throw new InvalidDataException("Protobuf field number 0 is invalid.");
        }

        return (field, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("Malformed protobuf varint.");
    }

    public uint ReadFixed32() => BitConverterLE.ToUInt32(ReadBytes(4));

    public ulong ReadFixed64() => BitConverterLE.ToUInt64(ReadBytes(8));

    public ReadOnlySpan<byte> ReadLengthDelimited() => ReadBytes(checked((int)ReadVarint()));

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: ReadBytes(8); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: ReadBytes(4); break;
            default: throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
        }
    }

    private byte ReadByte()
    {
        if (_position >= _buffer.Length)
        {
            throw new InvalidDataException("Truncated protobuf message.");
        }

        return _buffer[_position++];
    }

    private ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || _position + count > _buffer.Length)
        {
            throw new InvalidDataException("Truncated protobuf message.");
        }

        var bytes = _buffer.Slice(_position, count);
        _position += count;
        return bytes;
    }

    private static class BitConverterLE
    {
        public static uint ToUInt32(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);

        public static ulong ToUInt64(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
