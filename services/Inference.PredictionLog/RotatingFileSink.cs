using System.Globalization;

namespace Inference.PredictionLog;

/// <summary>
/// Lines to <c>predictions-&lt;UTC time&gt;.jsonl</c> files in a directory: a new file when the current one passes the
/// size limit, the oldest deleted when there are more than the limit. A file is never appended to after a restart:
/// each process starts its own, so two processes never interleave in one file.
/// </summary>
public sealed class RotatingFileSink : ILineSink
{
    public const string Prefix = "predictions-";
    public const string Extension = ".jsonl";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private readonly TimeProvider _time;
    private FileStream? _current;
    private int _sequence;

    public RotatingFileSink(string directory, long maxBytes, int maxFiles, TimeProvider time)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _maxFiles = Math.Max(1, maxFiles);
        _time = time;
        Directory.CreateDirectory(directory);
    }

    public async ValueTask WriteLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        if (_current is not null && _current.Length > 0 && _current.Length + line.Length > _maxBytes)
        {
            await _current.DisposeAsync();
            _current = null;
        }

        if (_current is null)
        {
            _current = Open();
            Prune();
        }

        await _current.WriteAsync(line, cancellationToken);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) =>
        _current is null ? ValueTask.CompletedTask : new ValueTask(_current.FlushAsync(cancellationToken));

    public ValueTask DisposeAsync() => _current?.DisposeAsync() ?? ValueTask.CompletedTask;

    private FileStream Open()
    {
        // Names sort by time; the sequence keeps two files of one millisecond apart.
        var name = $"{Prefix}{_time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture)}-{_sequence++:D6}{Extension}";
        return new FileStream(Path.Combine(_directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
    }

    private void Prune()
    {
        var files = Directory.GetFiles(_directory, Prefix + "*" + Extension).Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < files.Count - _maxFiles; i++)
        {
            try
            {
                File.Delete(files[i]);
            }
            catch (IOException)
            {
                // Still open elsewhere: the next rotation tries again.
            }
        }
    }
}
