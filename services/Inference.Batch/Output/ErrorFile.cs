using System.Text.Encodings.Web;
using System.Text.Json;
using Inference.Batch.Tables;

namespace Inference.Batch.Output;

/// <summary>
/// The rows left out, one JSON object per line (<c>{"row":17,"line":18,"reason":"…"}</c>), committed with the output.
/// Created at the first bad row.
/// </summary>
internal sealed class ErrorFile(string path) : IDisposable
{
    private FileStream? _file;
    private long _committed;

    public string Path => path;

    /// <summary>Cuts the file back to its committed length (or removes it when nothing was committed).</summary>
    public void Open(long committedBytes)
    {
        _committed = committedBytes;
        if (committedBytes == 0)
        {
            File.Delete(path);
            return;
        }

        _file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        _file.SetLength(committedBytes);
        _file.Seek(committedBytes, SeekOrigin.Begin);
    }

    public void Write(RowError error)
    {
        _file ??= new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        using var json = new Utf8JsonWriter(_file, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteNumber("row", error.Row);
        if (error.Line is { } line)
        {
            json.WriteNumber("line", line);
        }

        json.WriteString("reason", error.Reason);
        json.WriteEndObject();
        json.Flush();
        _file.WriteByte((byte)'\n');
    }

    /// <summary>Makes what was written durable; returns the committed length.</summary>
    public long Commit()
    {
        if (_file is not null)
        {
            _file.Flush(flushToDisk: true);
            _committed = _file.Position;
        }

        return _committed;
    }

    public void Dispose() => _file?.Dispose();
}
