using System.Text;

namespace Inference.Batch.Output;

/// <summary>A line-per-row output (CSV, JSON Lines) appended to one file; committed by length.</summary>
internal abstract class TextTableWriter(string path) : TableWriter
{
    private FileStream? _file;
    private BufferedStream? _buffered;

    protected Stream Stream => _buffered ?? throw new InvalidOperationException("not open");

    public override ValueTask OpenAsync(OutputPosition? resume, CancellationToken cancellationToken)
    {
        _file = new FileStream(path, resume is null ? FileMode.Create : FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        if (resume is not null)
        {
            if (_file.Length < resume.Bytes)
            {
                throw new Jobs.JobException($"the output {path} is shorter ({_file.Length} bytes) than its checkpoint says ({resume.Bytes}); it was changed since: start over without the checkpoint");
            }

            // Whatever followed the last commit (rows of an unfinished chunk, half a row) goes.
            _file.SetLength(resume.Bytes);
            _file.Seek(resume.Bytes, SeekOrigin.Begin);
        }

        _buffered = new BufferedStream(_file, 1 << 16);
        if (resume is null)
        {
            WriteHeader();
        }

        return ValueTask.CompletedTask;
    }

    public override ValueTask<OutputPosition> CommitAsync(CancellationToken cancellationToken)
    {
        _buffered!.Flush();
        _file!.Flush(flushToDisk: true);
        return ValueTask.FromResult(new OutputPosition(_file.Position, 0));
    }

    public override async ValueTask DisposeAsync()
    {
        if (_buffered is not null)
        {
            await _buffered.DisposeAsync();
        }

        if (_file is not null)
        {
            await _file.DisposeAsync();
        }
    }

    protected virtual void WriteHeader()
    {
    }

    protected void WriteUtf8(StringBuilder text)
    {
        Span<byte> bytes = stackalloc byte[1024];
        foreach (var chunk in text.GetChunks())
        {
            var span = chunk.Span;
            while (span.Length > 0)
            {
                var take = Math.Min(span.Length, 256);
                // Never split a surrogate pair between two encodings.
                if (char.IsHighSurrogate(span[take - 1]) && take < span.Length)
                {
                    take--;
                }

                var written = Encoding.UTF8.GetBytes(span[..take], bytes);
                Stream.Write(bytes[..written]);
                span = span[take..];
            }
        }
    }
}
