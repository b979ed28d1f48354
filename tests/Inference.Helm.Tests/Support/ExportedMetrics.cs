using System.Text.RegularExpressions;

namespace Inference.Helm.Tests.Support;

/// <summary>
/// The series the model server and the router export, read from the instruments their sources
/// create (the exporter scrapes an instrument under its own name): a histogram as
/// <c>_bucket</c>, <c>_sum</c> and <c>_count</c>, any other instrument under its name.
/// </summary>
internal static partial class ExportedMetrics
{
    private static readonly string[] SourceFolders =
        [Path.Combine("services", "Inference.ModelServer"), Path.Combine("services", "Inference.Engine"), Path.Combine("router", "Inference.Router")];
    private static readonly Lazy<IReadOnlyDictionary<string, bool>> Instruments = new(Read);

    [GeneratedRegex(@"\.Create(?<kind>Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)\s*(?:<[^>]*>)?\(\s*""(?<name>[^""]+)""")]
    private static partial Regex InstrumentCreation();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex ValidName();

    /// <summary>Instrument names, each with whether it is a histogram.</summary>
    public static IReadOnlyDictionary<string, bool> InstrumentNames => Instruments.Value;

    /// <summary>Every series name a scrape of the two services can show.</summary>
    public static IReadOnlySet<string> SeriesNames =>
        Instruments.Value.SelectMany(i => i.Value ? [$"{i.Key}_bucket", $"{i.Key}_sum", $"{i.Key}_count"] : new[] { i.Key }).ToHashSet(StringComparer.Ordinal);

    private static Dictionary<string, bool> Read()
    {
        var instruments = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var folder in SourceFolders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(RepositoryPaths.Root, file).Split(Path.DirectorySeparatorChar);
                if (relative.Contains("bin") || relative.Contains("obj"))
                {
                    continue;
                }

                foreach (Match match in InstrumentCreation().Matches(File.ReadAllText(file)))
                {
                    var name = match.Groups["name"].Value;
                    if (!ValidName().IsMatch(name))
                    {
                        throw new InvalidOperationException($"{file}: instrument '{name}' is not a Prometheus name; the exporter would rename it");
                    }

                    instruments[name] = match.Groups["kind"].Value == "Histogram";
                }
            }
        }

        return instruments;
    }
}
