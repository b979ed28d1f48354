using System.Buffers;
using System.Text.Unicode;

namespace Inference.Engine.Responses;

/// <summary>
/// Writes protobuf wire format into an <see cref="IBufferWriter{T}"/> (the response's pipe): tags, varints, and byte
/// or string fields of any size, in chunks of whatever the writer hands out, so a large field never asks the writer
/// for one contiguous buffer of its size.
/// </summary>
internal ref struct WireWriter(IBufferWriter<byte> writer)
{
    // The longest varint (10 bytes) and a one-byte tag fit in what is asked for at least.
    private const int MinimumSpan = 16;

    private readonly IBufferWriter<byte> _writer = writer;
    private Span<byte> _span;
    private int _position;

    public static int VarintSize(ulong value) => value < 0x80 ? 1 : (64 - System.Numerics.BitOperations.LeadingZeroCount(value) + 6) / 7;

    /// <summary>Size of a length-delimited field of <paramref name="length"/> bytes with a one-byte tag.</summary>
    public static int DelimitedFieldSize(int length) => 1 + VarintSize((uint)length) + length;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _span[_position++] = value;
    }

    public void WriteVarint(ulong value)
    {
        Ensure(MinimumSpan);
        while (value >= 0x80)
        {
            _span[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _span[_position++] = (byte)value;
    }

    /// <summary>A one-byte tag, the length, then <paramref name="bytes"/>.</summary>
    public void WriteBytesField(byte tag, ReadOnlySpan<byte> bytes)
    {
        WriteByte(tag);
        WriteVarint((uint)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>A one-byte tag, the UTF-8 length, then <paramref name="value"/> as UTF-8 (<paramref name="utf8Length"/> bytes).</summary>
    public void WriteStringField(byte tag, string value, int utf8Length)
    {
        WriteByte(tag);
        WriteVarint((uint)utf8Length);
        var source = value.AsSpan();
        while (!source.IsEmpty)
        {
            // At least 4 bytes, so that every character fits; a pair that does not fit whole waits for the next span.
            Ensure(4);
            Utf8.FromUtf16(source, _span[_position..], out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            _position += written;
            source = source[read..];
        }
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_position == _span.Length)
            {
                Ensure(1);
            }

            var count = Math.Min(bytes.Length, _span.Length - _position);
            bytes[..count].CopyTo(_span[_position..]);
            _position += count;
            bytes = bytes[count..];
        }
    }

    /// <summary>Hands what was written to the writer.</summary>
    public void Flush()
    {
        if (_position > 0)
        {
            _writer.Advance(_position);
        }

        _span = default;
        _position = 0;
    }

    private void Ensure(int count)
    {
        if (_span.Length - _position >= count)
        {
            return;
        }

        Flush();
        _span = _writer.GetSpan(count);
    }
}
