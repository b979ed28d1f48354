using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inference.Helm.Tests.Support;

/// <summary>
/// One case of a promtool unit test: input series sampled once a minute and, at given minutes,
/// exactly the alerts expected to fire. Labels are written "name=value,name=value". Expected
/// annotations are the rule's own, with the alert's labels and value put into their templates here.
/// </summary>
internal sealed partial class AlertTestCase(string name)
{
    private readonly JsonArray _series = [];
    private readonly List<(string Alert, int Minute, (string Labels, double? Value)[] Firing)> _expectations = [];

    [GeneratedRegex(@"\{\{\s*(?:\$labels\.(?<label>[a-zA-Z_][a-zA-Z0-9_]*)|(?<value>\$value))\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>A series; <paramref name="values"/> in promtool's notation, e.g. "_x4 1x30" (absent for 4 minutes, then 1 for 31).</summary>
    public AlertTestCase Series(string metric, string labels, string values)
    {
        var matchers = Labels(labels).Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        _series.Add(new JsonObject { ["series"] = $"{metric}{{{string.Join(',', matchers)}}}", ["values"] = values });
        return this;
    }

    /// <summary>The alert does not fire at these minutes (it may be pending).</summary>
    public AlertTestCase Silent(string alert, params int[] minutes)
    {
        foreach (var minute in minutes)
        {
            _expectations.Add((alert, minute, []));
        }

        return this;
    }

    /// <summary>At the minute, the alert fires exactly with these label sets (the expression's labels, without the rule's).</summary>
    public AlertTestCase Fires(string alert, int minute, params (string Labels, double? Value)[] firing)
    {
        _expectations.Add((alert, minute, firing));
        return this;
    }

    /// <summary>The case as promtool reads it; <paramref name="rules"/> are the rendered alert rules by name.</summary>
    public JsonObject ToJson(IReadOnlyDictionary<string, JsonObject> rules) => new()
    {
        ["name"] = name,
        ["interval"] = "1m",
        ["input_series"] = _series.DeepClone(),
        ["alert_rule_test"] = new JsonArray([.. _expectations.Select(e => (JsonNode)new JsonObject
        {
            ["eval_time"] = $"{e.Minute}m",
            ["alertname"] = e.Alert,
            ["exp_alerts"] = new JsonArray([.. e.Firing.Select(f => (JsonNode)Expected(rules[e.Alert], Labels(f.Labels), f.Value))]),
        })]),
    };

    private static JsonObject Expected(JsonObject rule, Dictionary<string, string> labels, double? value)
    {
        var expectedLabels = new JsonObject();
        foreach (var (key, label) in labels)
        {
            expectedLabels[key] = label;
        }

        foreach (var (key, label) in rule["labels"]?.AsObject() ?? [])
        {
            expectedLabels[key] = label!.GetValue<string>();
        }

        var annotations = new JsonObject();
        foreach (var (key, text) in rule["annotations"]?.AsObject() ?? [])
        {
            annotations[key] = Expand(text!.GetValue<string>(), labels, value);
        }

        return new JsonObject { ["exp_labels"] = expectedLabels, ["exp_annotations"] = annotations };
    }

    // Prometheus gives an annotation template the expression's labels (not the rule's) and value.
    private static string Expand(string template, Dictionary<string, string> labels, double? value)
    {
        var expanded = Placeholder().Replace(template, m => m.Groups["label"].Success
            ? labels.TryGetValue(m.Groups["label"].Value, out var label) ? label : throw new InvalidOperationException($"the annotation uses $labels.{m.Groups["label"].Value}, which the alert does not carry: {template}")
            : value?.ToString("R", CultureInfo.InvariantCulture) ?? throw new InvalidOperationException($"the annotation uses $value, which the test did not give: {template}"));
        return expanded.Contains("{{", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"the annotation has a template this test cannot expand: {template}")
            : expanded;
    }

    private static Dictionary<string, string> Labels(string labels) =>
        labels.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
}
