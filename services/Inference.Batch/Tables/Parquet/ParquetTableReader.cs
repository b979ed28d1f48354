using Inference.Batch.Jobs;
using global::Parquet;
using global::Parquet.Schema;

namespace Inference.Batch.Tables.Parquet;

/// <summary>
/// Parquet (Parquet.Net): columns that are values or lists of values. A row group is read whole (memory is bounded
/// by the file's row group size, not its length) and is one chunk; shards are contiguous runs of row groups.
/// </summary>
internal sealed class ParquetTableReader : TableReader
{
    private readonly string _path;
    private readonly ParquetReader _reader;
    private readonly Field[] _fields;
    private readonly DataField[] _leaves;
    private readonly long[] _groupStarts;
    private int _group = -1;
    private ParquetColumnData[] _data = [];
    private long _next;

    private ParquetTableReader(string path, ParquetReader reader, Field[] fields, DataField[] leaves)
    {
        _path = path;
        _reader = reader;
        _fields = fields;
        _leaves = leaves;
        _groupStarts = new long[reader.RowGroupCount + 1];
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            _groupStarts[g + 1] = _groupStarts[g] + reader.RowGroups[g].RowCount;
        }
    }

    public static async Task<ParquetTableReader> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or global::Parquet.ParquetException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new JobException($"cannot read {path} as Parquet: {ex.Message}");
        }

        var fields = reader.Schema.Fields.ToArray();
        var leaves = new DataField[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            leaves[i] = fields[i] switch
            {
                DataField data => data,
                ListField { Item: DataField item } => item,
                _ => null!,
            };
            if (leaves[i] is null || leaves[i].MaxRepetitionLevel > 1)
            {
                await reader.DisposeAsync();
                throw new JobException($"{path}: column '{fields[i].Name}' is a {fields[i].SchemaType}; columns must be values or lists of values");
            }
        }

        return new ParquetTableReader(path, reader, fields, leaves);
    }

    public override IReadOnlyList<string> Columns => _fields.Select(f => f.Name).ToList();

    public override IReadOnlyList<Field> ParquetFields => _fields;

    public override double? Fraction => _groupStarts[^1] == 0 ? 1 : (double)_next / _groupStarts[^1];

    public override ValueTask<RowRange> ShardRangeAsync(Shard shard, int chunkRows, CancellationToken cancellationToken)
    {
        var groups = _groupStarts.Length - 1;
        var first = (int)((long)groups * shard.Index / shard.Count);
        var last = (int)((long)groups * (shard.Index + 1) / shard.Count);
        return ValueTask.FromResult(new RowRange(_groupStarts[first], _groupStarts[last]));
    }

    public override long ChunkEnd(long row, int chunkRows)
    {
        var group = GroupOf(row);
        return group < 0 ? row + 1 : _groupStarts[group + 1];
    }

    public override ValueTask SeekAsync(long row, CancellationToken cancellationToken)
    {
        _next = row;
        return ValueTask.CompletedTask;
    }

    public override PassThroughRows CreatePassThrough() => new ParquetPassThrough(_fields.Select(f => f.Name).ToArray());

    public override async ValueTask<int> ReadAsync(RowBatch batch, RowMapper mapper, int maxRows, long endRow, CancellationToken cancellationToken)
    {
        var group = GroupOf(_next);
        if (group < 0 || _next >= endRow)
        {
            return 0;
        }

        if (group != _group)
        {
            using var reader = _reader.OpenRowGroupReader(group);
            var data = new ParquetColumnData[_leaves.Length];
            for (var i = 0; i < _leaves.Length; i++)
            {
                data[i] = await ParquetColumnData.ReadAsync(reader, _leaves[i], _leaves[i].MaxRepetitionLevel > 0, cancellationToken);
            }

            _data = data;
            _group = group;
        }

        var passThrough = (ParquetPassThrough)batch.PassThrough;
        passThrough.Use(_data);
        var cells = new ParquetCells(_data);
        var stop = Math.Min(Math.Min(endRow, _groupStarts[group + 1]), _next + maxRows);
        var read = 0;
        for (; _next < stop; _next++, read++)
        {
            cells.Row = (int)(_next - _groupStarts[group]);
            if (mapper.TryWriteRow(ref cells, batch.Inputs) is { } reason)
            {
                batch.Errors.Add(new RowError(_next + 1, null, reason));
                continue;
            }

            passThrough.Add(cells.Row);
            batch.RowNumbers.Add(_next + 1);
        }

        return read;
    }

    public override ValueTask DisposeAsync() => _reader.DisposeAsync();

    private int GroupOf(long row)
    {
        for (var g = 0; g < _groupStarts.Length - 1; g++)
        {
            if (row < _groupStarts[g + 1])
            {
                return g;
            }
        }

        return -1;
    }
}
