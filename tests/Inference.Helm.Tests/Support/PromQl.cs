using System.Text.RegularExpressions;

namespace Inference.Helm.Tests.Support;

/// <summary>Reads the metric names out of a PromQL expression (promtool checks the syntax itself).</summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan",
    };

    // String literals, then what is no metric name: label matchers, ranges and subqueries, label lists.
    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex NotNames();

    // An identifier not preceded by a digit or dot (1e3, 5m) and not a function call.
    [GeneratedRegex(@"(?<![\w.:])(?>[a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\()")]
    private static partial Regex Identifier();

    public static IEnumerable<string> MetricNames(string expression)
    {
        var stripped = NotNames().Replace(StringLiteral().Replace(expression, " "), " ");
        return Identifier().Matches(stripped).Select(m => m.Value).Where(name => !Keywords.Contains(name)).Distinct();
    }
}
