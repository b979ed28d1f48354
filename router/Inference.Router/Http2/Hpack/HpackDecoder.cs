namespace Inference.Router.Http2.Hpack;

/// <summary>
/// Decodes complete header blocks (RFC 7541): indexed fields, literals with, without and never
/// indexing, dynamic table size updates, Huffman strings. One per connection: the dynamic table is
/// connection state, so every block must be decoded in order, even those of streams nobody waits for.
/// </summary>
internal sealed class HpackDecoder
{
    private readonly HpackDynamicTable _table;
    private readonly int _maxTableSize;
    private readonly int _maxStringLength;
    private readonly int _maxHeaderListSize;
    private byte[] _nameScratch = [];
    private byte[] _valueScratch = [];

    /// <param name="maxTableSize">Our SETTINGS_HEADER_TABLE_SIZE: the largest table the peer may ask for.</param>
    /// <param name="maxStringLength">The longest name or value accepted.</param>
    /// <param name="maxHeaderListSize">The largest decoded header list (names, values, 32 per field), whatever
    /// the block's encoded size: a few bytes of table references can stand for megabytes.</param>
    public HpackDecoder(int maxTableSize = 4096, int maxStringLength = 64 * 1024, int maxHeaderListSize = 256 * 1024)
    {
        _maxTableSize = maxTableSize;
        _maxStringLength = maxStringLength;
        _maxHeaderListSize = maxHeaderListSize;
        _table = new HpackDynamicTable(maxTableSize);
    }

    public HpackDynamicTable Table => _table;

    public void Decode(ReadOnlySpan<byte> block, IHeaderSink sink)
    {
        var position = 0;
        var fieldSeen = false;
        var counting = new CountingSink(sink);
        while (position < block.Length)
        {
            var first = block[position];
            if ((first & 0x80) != 0)
            {
                // Indexed field (6.1).
                var index = ReadInteger(block, ref position, 7);
                EmitIndexed(index, ref counting);
                fieldSeen = true;
            }
            else if ((first & 0x40) != 0)
            {
                // Literal with incremental indexing (6.2.1).
                ReadLiteral(block, ref position, 6, ref counting, index: true);
                fieldSeen = true;
            }
            else if ((first & 0x20) != 0)
            {
                // Dynamic table size update (6.3): only at the start of a block.
                if (fieldSeen)
                {
                    throw new HpackException("a dynamic table size update after a header field");
                }

                var size = ReadInteger(block, ref position, 5);
                if (size > _maxTableSize)
                {
                    throw new HpackException($"a dynamic table size update to {size} exceeds the limit {_maxTableSize}");
                }

                _table.Resize(size);
            }
            else
            {
                // Literal without indexing (0000) or never indexed (0001) (6.2.2, 6.2.3).
                ReadLiteral(block, ref position, 4, ref counting, index: false);
                fieldSeen = true;
            }

            if (counting.Size > _maxHeaderListSize)
            {
                throw new HpackException($"the decoded header list exceeds {_maxHeaderListSize} bytes");
            }
        }
    }

    private void EmitIndexed(int index, ref CountingSink sink)
    {
        if (index == 0)
        {
            throw new HpackException("indexed field 0");
        }

        if (index <= HpackStaticTable.Count)
        {
            sink.OnHeader(HpackStaticTable.NameSpan(index), HpackStaticTable.ValueSpan(index), index);
            return;
        }

        var (name, value) = _table[index - HpackStaticTable.Count];
        sink.OnHeader(name, value, 0);
    }

    private void ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefix, ref CountingSink sink, bool index)
    {
        var nameIndex = ReadInteger(block, ref position, prefix);
        ReadOnlySpan<byte> name;
        var staticIndex = 0;
        if (nameIndex == 0)
        {
            name = ReadString(block, ref position, forName: true);
        }
        else if (nameIndex <= HpackStaticTable.Count)
        {
            name = HpackStaticTable.NameSpan(nameIndex);
            staticIndex = nameIndex;
        }
        else
        {
            name = _table[nameIndex - HpackStaticTable.Count].Name;
        }

        var value = ReadString(block, ref position, forName: false);
        if (index)
        {
            // Added before it is handed on: the span of a table entry stays valid either way.
            _table.Add(name, value);
        }

        sink.OnHeader(name, value, staticIndex);
    }

    private ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> block, scoped ref int position, bool forName)
    {
        if (position >= block.Length)
        {
            throw new HpackException("a header block ends inside a string");
        }

        var huffman = (block[position] & 0x80) != 0;
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackException("a string runs past the end of the header block");
        }

        var raw = block.Slice(position, length);
        position += length;
        if (!huffman)
        {
            if (length > _maxStringLength)
            {
                throw new HpackException($"a header string of {length} bytes exceeds the limit");
            }

            return raw;
        }

        // Each symbol is at least 5 bits long.
        if (length * 8L / 5 > _maxStringLength)
        {
            throw new HpackException($"a Huffman string of {length} bytes exceeds the limit");
        }

        var most = (length * 8 / 5) + 1;
        var scratch = forName ? _nameScratch : _valueScratch;
        if (scratch.Length < most)
        {
            scratch = new byte[Math.Max(most, 256)];
            if (forName)
            {
                _nameScratch = scratch;
            }
            else
            {
                _valueScratch = scratch;
            }
        }

        var decoded = HpackHuffman.Decode(raw, scratch);
        return scratch.AsSpan(0, decoded);
    }

    /// <summary>Reads an integer with an N-bit prefix (5.1), rejecting values that do not fit in 31 bits.</summary>
    public static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        if (position >= block.Length)
        {
            throw new HpackException("a header block ends inside an integer");
        }

        var mask = (1 << prefixBits) - 1;
        var value = block[position++] & mask;
        if (value < mask)
        {
            return value;
        }

        var shift = 0;
        while (true)
        {
            if (position >= block.Length)
            {
                throw new HpackException("a header block ends inside an integer");
            }

            var b = block[position++];
            if (shift > 28 || ((long)(b & 0x7F) << shift) + value > int.MaxValue)
            {
                throw new HpackException("an integer overflows");
            }

            value += (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    /// <summary>Passes fields on and adds up the decoded header list size (RFC 9113, 6.5.2).</summary>
    private struct CountingSink(IHeaderSink inner)
    {
        public long Size { get; private set; }

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex)
        {
            Size += name.Length + value.Length + HpackDynamicTable.EntryOverhead;
            inner.OnHeader(name, value, staticIndex);
        }
    }
}
