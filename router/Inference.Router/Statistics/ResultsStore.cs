using System.Text.Json;
using Inference.Router.Routing;

namespace Inference.Router.Statistics;

/// <summary>
/// Keeps the experiment statistics across restarts in a file beside the state file (<c>state.json</c> →
/// <c>state.results.json</c>), written atomically like it (temporary file, then rename).
/// </summary>
internal sealed class ResultsStore(string path)
{
    public string Path { get; } = path;

    public static ResultsStore Beside(string stateFile) => new(System.IO.Path.ChangeExtension(stateFile, ".results.json"));

    public Dictionary<string, ExperimentTally> Load()
    {
        var result = new Dictionary<string, ExperimentTally>(StringComparer.Ordinal);
        if (!File.Exists(Path))
        {
            return result;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
        foreach (var model in document.RootElement.GetProperty("models").EnumerateObject())
        {
            result[model.Name] = TallyJson.Read(model.Value);
        }

        return result;
    }

    public void Save(IEnumerable<ExperimentTally> tallies) =>
        AtomicJsonFile.Write(Path, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("models");
            foreach (var tally in tallies.OrderBy(t => t.Model, StringComparer.Ordinal))
            {
                writer.WritePropertyName(tally.Model);
                TallyJson.Write(writer, tally);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
}
