namespace Inference.Router.Http2.Hpack;

/// <summary>
/// A stateless encoder: a static table match is sent indexed, anything else as a literal without
/// indexing (by static name index when there is one), strings raw. It never touches the peer's
/// dynamic table, so any SETTINGS_HEADER_TABLE_SIZE the peer announces is honoured.
/// </summary>
internal static class HpackEncoder
{
    /// <summary>The most bytes <see cref="WriteField"/> can need for a name and value of these lengths.</summary>
    public static int MaxFieldLength(int nameLength, int valueLength) => 1 + 5 + nameLength + 5 + valueLength;

    public static int WriteIndexed(int staticIndex, Span<byte> destination) => WriteInteger(staticIndex, 7, 0x80, destination);

    /// <summary>A literal without indexing; the name is sent lowercase (RFC 9113, 8.2.1), chars above 0xFF as '?'.</summary>
    public static int WriteField(int nameIndex, ReadOnlySpan<char> name, ReadOnlySpan<char> value, Span<byte> destination)
    {
        int written;
        if (nameIndex > 0)
        {
            written = WriteInteger(nameIndex, 4, 0x00, destination);
        }
        else
        {
            destination[0] = 0x00;
            written = 1;
            written += WriteString(name, destination[written..], lowercase: true);
        }

        written += WriteString(value, destination[written..], lowercase: false);
        return written;
    }

    private static int WriteString(ReadOnlySpan<char> text, Span<byte> destination, bool lowercase)
    {
        var written = WriteInteger(text.Length, 7, 0x00, destination);
        var target = destination.Slice(written, text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (lowercase && c is >= 'A' and <= 'Z')
            {
                c = (char)(c | 0x20);
            }

            target[i] = c <= 0xFF ? (byte)c : (byte)'?';
        }

        return written + text.Length;
    }

    public static int WriteInteger(int value, int prefixBits, byte pattern, Span<byte> destination)
    {
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(pattern | value);
            return 1;
        }

        destination[0] = (byte)(pattern | mask);
        var written = 1;
        value -= mask;
        while (value >= 0x80)
        {
            destination[written++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[written++] = (byte)value;
        return written;
    }
}
