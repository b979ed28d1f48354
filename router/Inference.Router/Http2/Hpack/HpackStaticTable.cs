using System.Text;

namespace Inference.Router.Http2.Hpack;

/// <summary>The 61 entries of RFC 7541 Appendix A, index 1 first.</summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    private static readonly (string Name, string Value)[] Entries =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];

    private static readonly byte[][] NameBytes = Entries.Select(e => Encoding.ASCII.GetBytes(e.Name)).ToArray();
    private static readonly byte[][] ValueBytes = Entries.Select(e => Encoding.ASCII.GetBytes(e.Value)).ToArray();
    private static readonly Dictionary<string, int> FirstIndexOfName = BuildNameIndex();

    public static string Name(int index) => Entries[index - 1].Name;

    public static string Value(int index) => Entries[index - 1].Value;

    public static ReadOnlySpan<byte> NameSpan(int index) => NameBytes[index - 1];

    public static ReadOnlySpan<byte> ValueSpan(int index) => ValueBytes[index - 1];

    /// <summary>The index of the first entry named <paramref name="name"/> (any case), or 0.</summary>
    public static int IndexOfName(string name) => FirstIndexOfName.GetValueOrDefault(name);

    /// <summary>The index of the entry with exactly this name and value, or 0.</summary>
    public static int IndexOf(string name, string value)
    {
        var first = IndexOfName(name);
        if (first == 0)
        {
            return 0;
        }

        for (var index = first; index <= Count && string.Equals(Entries[index - 1].Name, name, StringComparison.OrdinalIgnoreCase); index++)
        {
            if (Entries[index - 1].Value == value)
            {
                return index;
            }
        }

        return 0;
    }

    private static Dictionary<string, int> BuildNameIndex()
    {
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Entries.Length; i++)
        {
            index.TryAdd(Entries[i].Name, i + 1);
        }

        return index;
    }
}
