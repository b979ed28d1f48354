namespace Inference.Router.Http2.Hpack;

/// <summary>
/// The decoder's dynamic table (RFC 7541, 2.3.2 and 4): newest entry at index 1, each entry
/// counting its name and value lengths plus 32 towards the size, oldest entries evicted first.
/// Entries are kept in a ring of byte arrays.
/// </summary>
internal sealed class HpackDynamicTable
{
    public const int EntryOverhead = 32;

    private Entry[] _ring = new Entry[16];
    private int _start;

    public HpackDynamicTable(int maxSize)
    {
        MaxSize = maxSize;
    }

    public int Count { get; private set; }

    /// <summary>The sum of the entry sizes.</summary>
    public int Size { get; private set; }

    public int MaxSize { get; private set; }

    /// <summary>Entry <paramref name="index"/>, 1 being the newest.</summary>
    public (byte[] Name, byte[] Value) this[int index]
    {
        get
        {
            if ((uint)(index - 1) >= (uint)Count)
            {
                throw new HpackException($"dynamic table index {index} is out of range");
            }

            var entry = _ring[(_start + Count - index) % _ring.Length];
            return (entry.Name, entry.Value);
        }
    }

    public void Resize(int maxSize)
    {
        MaxSize = maxSize;
        Evict(0);
    }

    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var size = name.Length + value.Length + EntryOverhead;
        if (size > MaxSize)
        {
            // An entry larger than the table empties it and is not added (4.4).
            Evict(MaxSize);
            return;
        }

        Evict(size);
        if (Count == _ring.Length)
        {
            var grown = new Entry[_ring.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = _ring[(_start + i) % _ring.Length];
            }

            _ring = grown;
            _start = 0;
        }

        _ring[(_start + Count) % _ring.Length] = new Entry(name.ToArray(), value.ToArray());
        Count++;
        Size += size;
    }

    /// <summary>Evicts the oldest entries until <paramref name="room"/> more fits.</summary>
    private void Evict(int room)
    {
        while (Count > 0 && Size + room > MaxSize)
        {
            var oldest = _ring[_start];
            Size -= oldest.Name.Length + oldest.Value.Length + EntryOverhead;
            _ring[_start] = default;
            _start = (_start + 1) % _ring.Length;
            Count--;
        }
    }

    private readonly record struct Entry(byte[] Name, byte[] Value);
}
