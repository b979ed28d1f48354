namespace Inference.Router.Http2.Hpack;

/// <summary>
/// The Huffman code of RFC 7541 Appendix B. The code is canonical, so the code lengths alone
/// define it: codes are handed out in order of (length, symbol), each one more than the last and
/// shifted left whenever the length grows.
/// </summary>
internal static class HpackHuffman
{
    public const int Eos = 256;

    // Code length in bits of symbols 0..255 and EOS (256).
    private static ReadOnlySpan<byte> Lengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         // ' ' - '/'
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              // '0' - '?'
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                // '@' - 'O'
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             // 'P' - '_'
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                // '`' - 'o'
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 'p' - 127
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
        30,                                                             // EOS
    ];

    private const int MaxLength = 30;

    private static readonly uint[] Codes = new uint[257];

    // Per length: the first code, how many codes, and where their symbols start in SortedSymbols.
    private static readonly uint[] FirstCode = new uint[MaxLength + 1];
    private static readonly int[] CountOfLength = new int[MaxLength + 1];
    private static readonly int[] SymbolStart = new int[MaxLength + 1];
    private static readonly short[] SortedSymbols = new short[257];

    static HpackHuffman()
    {
        var lengths = Lengths;
        var next = 0;
        for (var length = 1; length <= MaxLength; length++)
        {
            SymbolStart[length] = next;
            for (var symbol = 0; symbol <= Eos; symbol++)
            {
                if (lengths[symbol] == length)
                {
                    SortedSymbols[next++] = (short)symbol;
                }
            }

            CountOfLength[length] = next - SymbolStart[length];
        }

        uint code = 0;
        for (var length = 1; length <= MaxLength; length++)
        {
            FirstCode[length] = code;
            for (var i = 0; i < CountOfLength[length]; i++)
            {
                Codes[SortedSymbols[SymbolStart[length] + i]] = code++;
            }

            code <<= 1;
        }
    }

    public static uint Code(int symbol) => Codes[symbol];

    public static int Length(int symbol) => Lengths[symbol];

    /// <summary>Bytes the Huffman encoding of <paramref name="source"/> takes.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (var b in source)
        {
            bits += Lengths[b];
        }

        return (int)((bits + 7) / 8);
    }

    /// <summary>Encodes <paramref name="source"/>, padding the last byte with the most significant bits of EOS (ones).</summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ulong accumulator = 0;
        var bits = 0;
        var written = 0;
        foreach (var b in source)
        {
            accumulator = (accumulator << Lengths[b]) | Codes[b];
            bits += Lengths[b];
            while (bits >= 8)
            {
                bits -= 8;
                destination[written++] = (byte)(accumulator >> bits);
            }
        }

        if (bits > 0)
        {
            destination[written++] = (byte)((accumulator << (8 - bits)) | (0xFFu >> bits));
        }

        return written;
    }

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/> (which must hold
    /// 8/5 of the source length); returns the decoded length. Rejects EOS inside the string and
    /// padding longer than 7 bits or not made of ones (RFC 7541, 5.2).
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        uint code = 0;
        var length = 0;
        var allOnes = true;
        foreach (var b in source)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var value = (uint)(b >> bit) & 1;
                code = (code << 1) | value;
                allOnes &= value == 1;
                length++;
                var index = code - FirstCode[length];
                if (index < (uint)CountOfLength[length])
                {
                    var symbol = SortedSymbols[SymbolStart[length] + (int)index];
                    if (symbol == Eos)
                    {
                        throw new HpackException("a Huffman string contains EOS");
                    }

                    destination[written++] = (byte)symbol;
                    code = 0;
                    length = 0;
                    allOnes = true;
                }
                else if (length == MaxLength)
                {
                    throw new HpackException("an invalid Huffman code");
                }
            }
        }

        if (length > 7 || !allOnes)
        {
            throw new HpackException("invalid Huffman padding");
        }

        return written;
    }
}
