using System.Globalization;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>Samples of a Prometheus text exposition, looked up by name and labels.</summary>
internal sealed class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{');
            var close = line.LastIndexOf('}');
            var space = line.LastIndexOf(' ');
            var name = brace >= 0 ? line[..brace] : line[..space];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=');
                    labels[pair[..equals]] = pair[(equals + 1)..].Trim('"');
                }
            }

            var value = line[(space + 1)..];
            _samples.Add((name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
    }

    public string Text { get; }

    /// <summary>The sum of every sample of <paramref name="name"/> carrying these labels (and maybe others); null when none.</summary>
    public double? Find(string name, params (string Key, string Value)[] labels)
    {
        var matches = _samples
            .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .ToList();
        return matches.Count == 0 ? null : matches.Sum(m => m.Value);
    }

    public bool HasFamily(string name) => Text.Contains("# TYPE " + name + " ", StringComparison.Ordinal);
}
