using System.Globalization;
using System.Text;

namespace Inference.Engine.Requests;

/// <summary>
/// Text that came from a client (a model name, a version, a tensor name) as it may appear in a status message or a
/// log line: control, format and separator characters escaped (<c>\n</c>, <c>\u001b</c>…, so no line can be forged or
/// hidden), backslashes and quotes escaped, and cut at <see cref="MaxLength"/> characters with the full length said, so
/// that a status never outgrows a client's header limit (8 KiB in most gRPC libraries). Printable non-ASCII characters
/// stay as they are.
/// </summary>
public static class ClientText
{
    /// <summary>Most characters of the escaped text before it is cut.</summary>
    public const int MaxLength = 256;

    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value.Length <= MaxLength && !NeedsEscaping(value))
        {
            return value;
        }

        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 32);
        var i = 0;
        for (; i < value.Length && text.Length < MaxLength; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                // A pair stays whole, or is cut whole.
                text.Append(c).Append(value[++i]);
                continue;
            }

            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\'': text.Append(@"\'"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case '\0': text.Append(@"\0"); break;
                default:
                    if (IsUnsafe(c))
                    {
                        text.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        if (i < value.Length)
        {
            text.Append(CultureInfo.InvariantCulture, $"… ({value.Length} characters)");
        }

        return text.ToString();
    }

    private static bool NeedsEscaping(string value)
    {
        foreach (var c in value)
        {
            if (c is '\\' or '\'' || IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    // Controls (C0, DEL, C1), format characters (bidirectional overrides, zero-width ones), line and paragraph
    // separators, and surrogates that are not part of a pair.
    private static bool IsUnsafe(char c) => c < ' ' || (c >= '\u007f' && CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned);
}
