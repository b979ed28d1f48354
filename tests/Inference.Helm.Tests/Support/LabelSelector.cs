using System.Text.Json.Nodes;

namespace Inference.Helm.Tests.Support;

internal static class LabelSelector
{
    /// <summary>
    /// Whether a selector (a Service's plain map, or a LabelSelector with matchLabels) selects the
    /// labels. The chart uses matchLabels only; an empty selector would select everything, which the
    /// chart never means, so it matches nothing here.
    /// </summary>
    public static bool Selects(JsonObject? selector, JsonObject labels)
    {
        if (selector is null)
        {
            return false;
        }

        if (selector.ContainsKey("matchExpressions"))
        {
            throw new NotSupportedException("the chart is expected to use matchLabels only");
        }

        var matchLabels = selector["matchLabels"]?.AsObject() ?? (selector.ContainsKey("matchLabels") ? [] : selector);
        if (matchLabels.Count == 0)
        {
            return false;
        }

        return matchLabels.All(pair => labels[pair.Key]?.GetValue<string>() == pair.Value!.GetValue<string>());
    }
}
