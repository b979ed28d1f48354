using Inference.Batch.Tables.Parquet;
using Parquet;
using Parquet.Utils;

namespace Inference.Batch.Output;

/// <summary>
/// Parquet output. Each committed chunk is one row group, written as its own complete part file (temporary name,
/// flushed, renamed) in <c>&lt;output&gt;.parts/</c>; once every chunk is committed the parts' row groups are copied
/// byte for byte into the output file (Parquet.Net's <see cref="FileMerger"/>) and the parts removed. A Parquet file's
/// footer describes every row group and is written last, so appending row groups to one file in place could not be
/// made crash-safe: a kill mid-append leaves a file with no valid footer. Parts make each commit atomic, and the
/// output is identical however often the job was interrupted.
/// </summary>
internal sealed class ParquetTableWriter(string path, OutputLayout layout) : TableWriter
{
    private readonly ParquetChunkBuilder _chunk = new(layout);
    private readonly string _parts = path + ".parts";
    private int _committedParts;
    private bool _merged;

    public override ValueTask OpenAsync(OutputPosition? resume, CancellationToken cancellationToken)
    {
        if (resume is { Parts: > 0 } && !Directory.Exists(_parts) && File.Exists(path))
        {
            // Stopped after the parts were merged and removed, before the checkpoint was: the output is complete.
            _merged = true;
            _committedParts = resume.Parts;
            return ValueTask.CompletedTask;
        }

        if (resume is null && Directory.Exists(_parts))
        {
            Directory.Delete(_parts, recursive: true);
        }

        Directory.CreateDirectory(_parts);
        _committedParts = resume?.Parts ?? 0;
        // Parts past the checkpoint belong to a chunk that was never committed.
        foreach (var file in Directory.EnumerateFiles(_parts))
        {
            if (!IsCommittedPart(file))
            {
                File.Delete(file);
            }
        }

        return ValueTask.CompletedTask;
    }

    public override ValueTask WriteAsync(ScoredRun run, CancellationToken cancellationToken)
    {
        foreach (var segment in run.Segments)
        {
            for (var r = 0; r < segment.Rows; r++)
            {
                run.Batch.PassThrough.AppendParquet(segment.FirstRow + r, _chunk);
                _chunk.AddScored(segment, r);
            }
        }

        return ValueTask.CompletedTask;
    }

    public override async ValueTask<OutputPosition> CommitAsync(CancellationToken cancellationToken)
    {
        if (_chunk.Rows > 0)
        {
            var part = PartPath(_committedParts);
            await using (var file = new FileStream(part + ".tmp", FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                await using (var writer = await ParquetWriter.CreateAsync(_chunk.Schema, file, cancellationToken: cancellationToken))
                {
                    await _chunk.WriteRowGroupAsync(writer, cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }

            DurableFile.Rename(part + ".tmp", part);
            _committedParts++;
            _chunk.Clear();
        }

        return new OutputPosition(0, _committedParts);
    }

    public override async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_merged)
        {
            return;
        }

        var temporary = path + ".tmp";
        await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            if (_committedParts == 0)
            {
                // No row scored: a file with the schema and no row group.
                await using var empty = await ParquetWriter.CreateAsync(_chunk.Schema, output, cancellationToken: cancellationToken);
            }
            else
            {
                var parts = Enumerable.Range(0, _committedParts).Select(i => new FileInfo(PartPath(i))).ToList();
                await using var merger = new FileMerger(parts);
                await merger.MergeFilesAsync(output, cancellationToken: cancellationToken);
            }

            output.Flush(flushToDisk: true);
        }

        DurableFile.Rename(temporary, path);
        Directory.Delete(_parts, recursive: true);
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PartPath(int index) => Path.Combine(_parts, $"part-{index:D6}.parquet");

    private bool IsCommittedPart(string file)
    {
        var name = Path.GetFileName(file);
        return name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5, name.Length - 13), out var index) && index < _committedParts;
    }
}
