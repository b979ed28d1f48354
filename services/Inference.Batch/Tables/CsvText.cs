using System.Text;

namespace Inference.Batch.Tables;

/// <summary>
/// CSV fields as RFC 4180 writes them, with one addition so that strings and missing values round-trip: an empty
/// unquoted field is a missing value, a quoted empty field (<c>""</c>) is the empty string.
/// </summary>
internal static class CsvText
{
    public static void AppendField(StringBuilder line, ReadOnlySpan<char> value)
    {
        if (value.Length > 0 && value.IndexOfAny(",\"\r\n") < 0 && value[0] != ' ' && value[^1] != ' ')
        {
            line.Append(value);
            return;
        }

        line.Append('"');
        foreach (var c in value)
        {
            line.Append(c);
            if (c == '"')
            {
                line.Append('"');
            }
        }

        line.Append('"');
    }

    /// <summary>A field as read (quotes included): missing when empty, else the unescaped value.</summary>
    public static bool IsMissing(ReadOnlySpan<char> raw) => raw.Length == 0;

    /// <summary>Removes the quotes of a quoted field (<c>"a""b"</c> → <c>a"b</c>); an unquoted field is returned as is.</summary>
    public static ReadOnlySpan<char> Unescape(ReadOnlySpan<char> raw, ref char[]? scratch)
    {
        if (raw.Length < 2 || raw[0] != '"' || raw[^1] != '"')
        {
            return raw;
        }

        var inner = raw[1..^1];
        if (inner.IndexOf('"') < 0)
        {
            return inner;
        }

        if (scratch is null || scratch.Length < inner.Length)
        {
            scratch = new char[Math.Max(64, inner.Length)];
        }

        var length = 0;
        for (var i = 0; i < inner.Length; i++)
        {
            scratch[length++] = inner[i];
            if (inner[i] == '"' && i + 1 < inner.Length && inner[i + 1] == '"')
            {
                i++;
            }
        }

        return scratch.AsSpan(0, length);
    }
}
