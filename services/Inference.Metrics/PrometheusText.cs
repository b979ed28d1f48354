using System.Globalization;
using System.Text;

namespace Inference.Metrics;

/// <summary>Formatting rules of the Prometheus text exposition format 0.0.4.</summary>
internal static class PrometheusText
{
    /// <summary>Metric and label names allow <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>; anything else becomes '_'.</summary>
    public static string SanitizeName(string name)
    {
        if (IsValidName(name))
        {
            return name;
        }

        return string.Create(name.Length == 0 ? 1 : name.Length, name, static (span, source) =>
        {
            if (source.Length == 0)
            {
                span[0] = '_';
                return;
            }

            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = IsNameChar(c, first: i == 0) ? c : '_';
            }
        });
    }

    public static void AppendLabels(StringBuilder text, KeyValuePair<string, string>[] labels, string? extraName, string? extraValue)
    {
        if (labels.Length == 0 && extraName is null)
        {
            return;
        }

        text.Append('{');
        var first = true;
        foreach (var label in labels)
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            text.Append(label.Key).Append("=\"");
            AppendEscapedLabelValue(text, label.Value);
            text.Append('"');
        }

        if (extraName is not null)
        {
            if (!first)
            {
                text.Append(',');
            }

            text.Append(extraName).Append("=\"").Append(extraValue).Append('"');
        }

        text.Append('}');
    }

    public static void AppendEscapedLabelValue(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '"': text.Append("\\\""); break;
                case '\n': text.Append("\\n"); break;
                default: text.Append(c); break;
            }
        }
    }

    public static void AppendEscapedHelp(StringBuilder text, string help)
    {
        foreach (var c in help)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                default: text.Append(c); break;
            }
        }
    }

    public static void AppendValue(StringBuilder text, double value) => text.Append(FormatValue(value));

    public static string FormatValue(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (!IsNameChar(name[i], first: i == 0))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNameChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');
}
