using Inference.Batch.Jobs;

namespace Inference.Batch.Tables.JsonLines;

/// <summary>
/// JSON Lines: one object per line, blank lines skipped. The columns are the first object's fields; a JSON Lines
/// output carries every field of each object, other outputs those columns (a row with another field is refused
/// there, rather than losing it).
/// </summary>
internal sealed class JsonLinesTableReader : TableReader
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly LineReader _lines;
    private readonly IReadOnlyList<string> _columns;
    private readonly JsonRow _row;
    private readonly bool _strictColumns;
    private long _next;

    private JsonLinesTableReader(string path, FileStream file, IReadOnlyList<string> columns, bool strictColumns)
    {
        _path = path;
        _file = file;
        _lines = new LineReader(file);
        _columns = columns;
        _row = new JsonRow(columns);
        _strictColumns = strictColumns;
    }

    /// <param name="strictColumns">Refuse rows with fields the first row lacks (outputs other than JSON Lines have no place for them).</param>
    public static JsonLinesTableReader Open(string path, bool strictColumns)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        try
        {
            IReadOnlyList<string> columns;
            using (var first = new LineReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read)))
            {
                ReadOnlySpan<byte> line;
                do
                {
                    if (!first.TryRead(out line))
                    {
                        throw new JobException($"{path} has no row: the first object's fields are the columns");
                    }
                }
                while (IsBlank(line));

                columns = JsonRow.Names(line);
            }

            return new JsonLinesTableReader(path, file, columns, strictColumns);
        }
        catch (Exception ex) when (ex is not JobException)
        {
            file.Dispose();
            throw new JobException($"cannot read {path} as JSON Lines: {ex.Message.Split(" LineNumber")[0]}");
        }
    }

    public override IReadOnlyList<string> Columns => _columns;

    public override double? Fraction => _file.Length == 0 ? 1 : (double)_file.Position / _file.Length;

    public override ValueTask<RowRange> ShardRangeAsync(Shard shard, int chunkRows, CancellationToken cancellationToken)
    {
        if (shard.IsWhole)
        {
            return ValueTask.FromResult(new RowRange(0, null));
        }

        long rows = 0;
        using (var lines = new LineReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan)))
        {
            while (lines.TryRead(out var line))
            {
                if (!IsBlank(line))
                {
                    rows++;
                }
            }
        }

        return ValueTask.FromResult(AlignedRange(shard, rows, chunkRows));
    }

    public override long ChunkEnd(long row, int chunkRows) => (row / chunkRows + 1) * chunkRows;

    public override ValueTask SeekAsync(long row, CancellationToken cancellationToken)
    {
        while (_next < row && _lines.TryRead(out var line))
        {
            if (!IsBlank(line))
            {
                _next++;
            }
        }

        return ValueTask.CompletedTask;
    }

    public override PassThroughRows CreatePassThrough() => new JsonPassThrough(_columns);

    public override ValueTask<int> ReadAsync(RowBatch batch, RowMapper mapper, int maxRows, long endRow, CancellationToken cancellationToken)
    {
        var passThrough = (JsonPassThrough)batch.PassThrough;
        var read = 0;
        while (read < maxRows && _next < endRow && _lines.TryRead(out var line))
        {
            if (IsBlank(line))
            {
                continue;
            }

            var number = ++_next;
            read++;
            if (_row.Parse(line, _strictColumns) is { } malformed)
            {
                batch.Errors.Add(new RowError(number, _lines.LineNumber, malformed));
                continue;
            }

            var cells = new JsonCells(line, _row);
            if (mapper.TryWriteRow(ref cells, batch.Inputs) is { } reason)
            {
                batch.Errors.Add(new RowError(number, _lines.LineNumber, reason));
                continue;
            }

            passThrough.Add(line, _row);
            batch.RowNumbers.Add(number);
        }

        return ValueTask.FromResult(read);
    }

    public override ValueTask DisposeAsync()
    {
        _lines.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).Length == 0;
}
