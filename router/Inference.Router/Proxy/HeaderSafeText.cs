using System.Globalization;
using System.Text;

namespace Inference.Router.Proxy;

/// <summary>
/// Text from a client (a model name or version, a group asked for) made safe for a response header, a grpc-message
/// or a log line (an audit line): visible ASCII stays, anything else (non-ASCII, control characters, backslash) becomes a <c>\uXXXX</c>
/// escape, and the result is cut at <see cref="MaxLength"/> characters with the full length said. HTTP/2 header
/// values must be visible ASCII, and a log line must not be forged or split by what a client sent.
/// </summary>
internal static class HeaderSafeText
{
    public const int MaxLength = 256;

    /// <summary>A refusal reason quotes client text inside the router's own words: room for both.</summary>
    public const int MaxReasonLength = 1024;

    public static string Escape(ReadOnlySpan<char> value, int maxLength = MaxLength)
    {
        var clean = value.Length <= maxLength;
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value.ToString();
        }

        var text = new StringBuilder(Math.Min(value.Length, maxLength) + 32);
        var i = 0;
        for (; i < value.Length && text.Length < maxLength; i++)
        {
            var c = value[i];
            if (NeedsEscape(c))
            {
                text.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        if (i < value.Length)
        {
            text.Append(CultureInfo.InvariantCulture, $"... ({value.Length} characters)");
        }

        return text.ToString();
    }

    private static bool NeedsEscape(char c) => c is < ' ' or > '~' or '\\';
}
