namespace Inference.Batch.Output;

/// <summary>
/// Writes output rows. Rows written since the last <see cref="CommitAsync"/> may be lost in a crash; a commit makes
/// them durable and returns the position a checkpoint records, from which <see cref="OpenAsync"/> resumes exactly.
/// </summary>
internal abstract class TableWriter : IAsyncDisposable
{
    /// <summary>Creates the output, or (given a committed position) cuts it back to that position and appends from there.</summary>
    public abstract ValueTask OpenAsync(OutputPosition? resume, CancellationToken cancellationToken);

    public abstract ValueTask WriteAsync(ScoredRun run, CancellationToken cancellationToken);

    public abstract ValueTask<OutputPosition> CommitAsync(CancellationToken cancellationToken);

    /// <summary>Completes the output once every chunk is committed.</summary>
    public virtual ValueTask FinishAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public abstract ValueTask DisposeAsync();
}

/// <summary>How far a committed output reaches: its length in bytes (text formats), or its committed part files (Parquet).</summary>
internal sealed record OutputPosition(long Bytes, int Parts);
