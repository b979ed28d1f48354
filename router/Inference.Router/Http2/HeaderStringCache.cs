using System.Text;
using Inference.Router.Http2.Hpack;

namespace Inference.Router.Http2;

/// <summary>
/// Turns decoded header bytes into strings without allocating for names and values seen before
/// (a small direct-mapped cache per connection: upstream responses repeat the same few fields).
/// Only the connection's reading thread uses it.
/// </summary>
internal sealed class HeaderStringCache
{
    private const int Slots = 128;
    private const int MaxCachedLength = 64;

    private readonly byte[]?[] _bytes = new byte[Slots][];
    private readonly string?[] _strings = new string[Slots];

    public string Name(ReadOnlySpan<byte> name, int staticIndex) =>
        staticIndex > 0 ? HpackStaticTable.Name(staticIndex) : Get(name, 0);

    public string Value(ReadOnlySpan<byte> value) => value.IsEmpty ? "" : Get(value, 1);

    private string Get(ReadOnlySpan<byte> bytes, int salt)
    {
        if (bytes.Length > MaxCachedLength)
        {
            return Encoding.Latin1.GetString(bytes);
        }

        var slot = (int)((uint)(HashCode.Combine(salt) ^ Hash(bytes)) % Slots);
        if (_bytes[slot] is { } cached && bytes.SequenceEqual(cached))
        {
            return _strings[slot]!;
        }

        var text = Encoding.Latin1.GetString(bytes);
        _bytes[slot] = bytes.ToArray();
        _strings[slot] = text;
        return text;
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = (uint)bytes.Length * 16777619u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)hash;
    }
}
