using Inference.Batch.Jobs;
using nietras.SeparatedValues;

namespace Inference.Batch.Tables.Csv;

/// <summary>
/// CSV with a header row (Sep): comma-separated, RFC 4180 quotes. An empty unquoted field is a missing value; a
/// quoted empty field is the empty string. A list for a model input is a field holding a JSON array.
/// </summary>
internal sealed class CsvTableReader : TableReader
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly SepReader _sep;
    private readonly string[] _columns;
    private readonly CsvScratch _scratch = new();
    private long _next;

    private CsvTableReader(string path, FileStream file, SepReader sep, string[] columns)
    {
        _path = path;
        _file = file;
        _sep = sep;
        _columns = columns;
    }

    public static CsvTableReader Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        try
        {
            var sep = CreateSep(file);
            var scratch = new CsvScratch();
            var columns = sep.Header.ColNames.Select(n => CsvText.Unescape(n, ref scratch.Chars).ToString()).ToArray();
            if (columns.Length == 0 || (columns.Length == 1 && columns[0].Length == 0))
            {
                throw new JobException($"{path} has no header row: the first line must name the columns");
            }

            if (columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            {
                throw new JobException($"{path} names column '{duplicate.Key}' twice in its header");
            }

            return new CsvTableReader(path, file, sep, columns);
        }
        catch (Exception ex) when (ex is not JobException)
        {
            file.Dispose();
            throw new JobException($"cannot read {path} as CSV: {ex.Message}");
        }
    }

    public override IReadOnlyList<string> Columns => _columns;

    public override double? Fraction => _file.Length == 0 ? 1 : (double)_file.Position / _file.Length;

    public override async ValueTask<RowRange> ShardRangeAsync(Shard shard, int chunkRows, CancellationToken cancellationToken)
    {
        if (shard.IsWhole)
        {
            return new RowRange(0, null);
        }

        // The row count needs a pass over the file (rows may span lines, so lines are not rows).
        long rows = 0;
        await using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        using (var sep = CreateSep(file))
        {
            while (sep.MoveNext())
            {
                rows++;
                if ((rows & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        return AlignedRange(shard, rows, chunkRows);
    }

    public override long ChunkEnd(long row, int chunkRows) => (row / chunkRows + 1) * chunkRows;

    public override ValueTask SeekAsync(long row, CancellationToken cancellationToken)
    {
        while (_next < row && _sep.MoveNext())
        {
            _next++;
        }

        return ValueTask.CompletedTask;
    }

    public override PassThroughRows CreatePassThrough() => new CsvPassThrough(_columns);

    public override ValueTask<int> ReadAsync(RowBatch batch, RowMapper mapper, int maxRows, long endRow, CancellationToken cancellationToken)
    {
        var passThrough = (CsvPassThrough)batch.PassThrough;
        var read = 0;
        while (read < maxRows && _next < endRow && _sep.MoveNext())
        {
            var row = _sep.Current;
            var number = ++_next;
            read++;
            if (row.ColCount != _columns.Length)
            {
                batch.Errors.Add(new RowError(number, row.LineNumberFrom, $"the row has {row.ColCount} fields, the header {_columns.Length}"));
                continue;
            }

            var cells = new CsvCells(row, _scratch);
            if (mapper.TryWriteRow(ref cells, batch.Inputs) is { } reason)
            {
                batch.Errors.Add(new RowError(number, row.LineNumberFrom, reason));
                continue;
            }

            passThrough.Add(row);
            batch.RowNumbers.Add(number);
        }

        return ValueTask.FromResult(read);
    }

    public override ValueTask DisposeAsync()
    {
        _sep.Dispose();
        return _file.DisposeAsync();
    }

    private static SepReader CreateSep(Stream stream) =>
        Sep.New(',').Reader(o => o with { HasHeader = true, DisableColCountCheck = true, Unescape = false, DisableFastFloat = true })
            .From(stream, leaveOpen: true);
}

/// <summary>Room for an unescaped field, reused from row to row.</summary>
internal sealed class CsvScratch
{
    public char[]? Chars;
}
