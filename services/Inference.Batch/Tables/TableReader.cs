using Inference.Batch.Jobs;
using Parquet.Schema;

namespace Inference.Batch.Tables;

/// <summary>
/// Reads a file's rows in order, a bounded number at a time. Rows are numbered from 0 in the file (the header, if
/// any, is not a row); chunks (the unit of commit) and shards are ranges of those numbers.
/// </summary>
internal abstract class TableReader : IAsyncDisposable
{
    /// <summary>The file's column names, in order.</summary>
    public abstract IReadOnlyList<string> Columns { get; }

    /// <summary>The columns as a Parquet output declares them (strings, for text formats).</summary>
    public virtual IReadOnlyList<Field> ParquetFields =>
        Columns.Select(c => (Field)new DataField<string>(c, true)).ToList();

    /// <summary>How much of the file has been read, 0 to 1, when the reader can tell (for the ETA).</summary>
    public virtual double? Fraction => null;

    /// <summary>The row range shard <paramref name="shard"/> covers (text formats count the rows first).</summary>
    public abstract ValueTask<RowRange> ShardRangeAsync(Shard shard, int chunkRows, CancellationToken cancellationToken);

    /// <summary>The end of the chunk that starts at (or contains) <paramref name="row"/>.</summary>
    public abstract long ChunkEnd(long row, int chunkRows);

    /// <summary>Positions the reader before row <paramref name="row"/> (rows before it are skipped, not mapped).</summary>
    public abstract ValueTask SeekAsync(long row, CancellationToken cancellationToken);

    /// <summary>A pass-through store of this reader's kind.</summary>
    public abstract PassThroughRows CreatePassThrough();

    /// <summary>
    /// Reads rows into <paramref name="batch"/> until it holds <paramref name="maxRows"/> rows (mapped or not) or row
    /// <paramref name="endRow"/> is reached; returns the rows read (0 at the end of the file).
    /// </summary>
    public abstract ValueTask<int> ReadAsync(RowBatch batch, RowMapper mapper, int maxRows, long endRow, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Chunk-aligned contiguous ranges of <paramref name="rows"/> rows: shard i of n gets chunks [i·c/n, (i+1)·c/n).</summary>
    protected static RowRange AlignedRange(Shard shard, long rows, int chunkRows)
    {
        var chunks = (rows + chunkRows - 1) / chunkRows;
        var first = chunks * shard.Index / shard.Count;
        var last = chunks * (shard.Index + 1) / shard.Count;
        return new RowRange(Math.Min(rows, first * chunkRows), Math.Min(rows, last * chunkRows));
    }
}

/// <summary>Rows [Start, End); End is null when the file is read to its end.</summary>
internal readonly record struct RowRange(long Start, long? End);
