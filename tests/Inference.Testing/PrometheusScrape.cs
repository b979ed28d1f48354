using System.Globalization;

namespace Inference.Testing;

/// <summary>The samples of one Prometheus text exposition, looked up by name and labels (in any order).</summary>
public sealed class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    public PrometheusScrape(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{');
            var close = line.LastIndexOf('}');
            // The value follows the name (or the closing brace); an optional timestamp may follow the value.
            var rest = (brace >= 0 ? line[(close + 1)..] : line[line.IndexOf(' ')..]).Trim();
            var name = brace >= 0 ? line[..brace] : line[..line.IndexOf(' ')];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                ParseLabels(line[(brace + 1)..close], labels);
            }

            var value = rest.Split(' ')[0];
            _samples.Add((name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
    }

    public string Text { get; }

    /// <summary>Fetches <paramref name="url"/> and parses it.</summary>
    public static async Task<PrometheusScrape> GetAsync(HttpClient http, Uri url, CancellationToken cancellationToken = default) =>
        new(await http.GetStringAsync(url, cancellationToken));

    /// <summary>
    /// The value of the one sample of <paramref name="name"/> carrying these labels (and maybe others); null when
    /// none does. Throws when several do: add labels.
    /// </summary>
    public double? Find(string name, params (string Key, string Value)[] labels)
    {
        var matches = Matching(name, labels);
        return matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new InvalidOperationException($"{matches.Count} samples of {name} match; add labels."),
        };
    }

    /// <summary>The sum of every sample of <paramref name="name"/> carrying these labels (and maybe others); 0 when none.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Matching(name, labels).Sum();

    /// <summary>The label sets of every sample of <paramref name="name"/>.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Series(string name) =>
        _samples.Where(s => s.Name == name).Select(s => (IReadOnlyDictionary<string, string>)s.Labels).ToList();

    /// <summary>Whether the exposition has samples of <paramref name="name"/> (or of its _bucket/_sum/_count series).</summary>
    public bool HasFamily(string name) =>
        _samples.Any(s => s.Name == name || s.Name.StartsWith(name + "_", StringComparison.Ordinal));

    private List<double> Matching(string name, (string Key, string Value)[] labels) =>
        _samples
            .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Select(s => s.Value)
            .ToList();

    /// <summary>Parses <c>a="x",b="y\"z"</c> with the exposition format's escapes (\\, \", \n).</summary>
    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            var key = text[i..equals].Trim().TrimStart(',').Trim();
            var value = new System.Text.StringBuilder();
            var j = equals + 2; // past ="
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }
        }
    }
}
