using System.Collections;

namespace Inference.Grpc;

/// <summary>
/// gRPC custom metadata: ordered key/value pairs sent as HTTP/2 headers or trailers. Keys are
/// lower case; keys ending in <c>-bin</c> carry bytes (base64 on the wire), others printable ASCII.
/// </summary>
public sealed partial class Metadata : IReadOnlyList<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    /// <summary>An empty, read-only instance.</summary>
    public static readonly Metadata Empty = new() { _readOnly = true };

    private readonly List<Entry> _entries = [];
    private bool _readOnly;

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_readOnly)
        {
            throw new InvalidOperationException("This metadata is read-only.");
        }

        _entries.Add(entry);
        return this;
    }

    /// <summary>The first entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The first text value with this key, or null.</summary>
    public string? GetValue(string key) => Get(key) is { IsBinary: false } entry ? entry.Value : null;

    /// <summary>The first binary value with this key (a <c>-bin</c> key), or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key) is { IsBinary: true } entry ? entry.ValueBytes : null;

    public List<Entry>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    /// <summary>True for a lower-case valid text key (not -bin) with a printable ASCII value.</summary>
    internal static bool IsValidTextPair(string? key, string? value)
    {
        if (string.IsNullOrEmpty(key) || value is null || IsBinaryKey(key))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
            {
                return false;
            }
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Keys the protocol itself uses; never copied to or from custom metadata.</summary>
    internal static bool IsReservedKey(string key) =>
        key.Length == 0
        || key[0] == ':'
        || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "content-type", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "te", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "user-agent", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "host", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "content-length", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "connection", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, "transfer-encoding", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Adds one header received from the peer. Reserved keys are skipped; a <c>-bin</c> header may carry
    /// several comma-separated base64 values; a malformed value is dropped rather than failing the call.
    /// </summary>
    internal void AddReceived(string key, string? value)
    {
        if (value is null || IsReservedKey(key))
        {
            return;
        }

        key = key.ToLowerInvariant();
        try
        {
            if (IsBinaryKey(key))
            {
                foreach (var range in value.AsSpan().Split(','))
                {
                    Add(key, DecodeBinaryValue(value[range]));
                }
            }
            else
            {
                Add(new Entry(key, value));
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
        }
    }

    /// <summary>Base64 as gRPC senders should emit it: standard alphabet, no padding.</summary>
    public static string EncodeBinaryValue(ReadOnlySpan<byte> value)
    {
        var text = Convert.ToBase64String(value);
        var end = text.Length;
        while (end > 0 && text[end - 1] == '=')
        {
            end--;
        }

        return end == text.Length ? text : text[..end];
    }

    /// <summary>Decodes a <c>-bin</c> value; accepts padded and unpadded base64.</summary>
    public static byte[] DecodeBinaryValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.AsSpan().Trim();
        var remainder = trimmed.Length % 4;
        if (remainder == 0)
        {
            return Convert.FromBase64String(trimmed.ToString());
        }

        if (remainder == 1)
        {
            throw new FormatException("Invalid base64 length in binary metadata value.");
        }

        return Convert.FromBase64String(string.Concat(trimmed, remainder == 2 ? "==" : "="));
    }
}
