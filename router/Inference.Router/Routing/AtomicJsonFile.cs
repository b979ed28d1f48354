using System.Text.Json;

namespace Inference.Router.Routing;

/// <summary>
/// Writes a JSON file so a crash never leaves it half-written: a temporary file in the same directory, flushed to
/// disk, then renamed over the old one.
/// </summary>
internal static class AtomicJsonFile
{
    public static void Write(string path, Action<Utf8JsonWriter> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
