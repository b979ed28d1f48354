using System.Text.Json;

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

    public void Save(IEnumerable<ExperimentTally> tallies)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
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
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
