using System.Buffers.Binary;

namespace Inference.Engine.Tensors;

/// <summary>
/// BYTES tensors in raw contents: each element is a 4-byte little-endian length followed by that many bytes.
/// </summary>
internal static class BytesElements
{
    /// <summary>Counts the elements of <paramref name="raw"/>; null and a reason when the encoding is broken.</summary>
    public static long? Count(ReadOnlySpan<byte> raw, out string? problem)
    {
        problem = null;
        long count = 0;
        var offset = 0;
        while (offset < raw.Length)
        {
            if (raw.Length - offset < 4)
            {
                problem = $"element {count} starts at byte {offset} but only {raw.Length - offset} bytes remain for its 4-byte length prefix";
                return null;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
            offset += 4;
            if (length > (uint)(raw.Length - offset))
            {
                problem = $"element {count} declares {length} bytes but only {raw.Length - offset} remain";
                return null;
            }

            offset += (int)length;
            count++;
        }

        return count;
    }

    /// <summary>Walks a well-formed encoding (already checked by <see cref="Count"/>).</summary>
    public static ReadOnlySpan<byte> Next(ReadOnlySpan<byte> raw, ref int offset)
    {
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
        var element = raw.Slice(offset + 4, length);
        offset += 4 + length;
        return element;
    }
}
