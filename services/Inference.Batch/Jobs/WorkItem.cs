using Inference.Batch.Output;

namespace Inference.Batch.Jobs;

/// <summary>What the writer takes next, in file order: a Run being scored, or the end of a chunk (commit up to <see cref="NextRow"/>).</summary>
internal sealed record WorkItem(Task<ScoredRun>? Run, long NextRow);
