namespace Inference.Batch.Jobs;

/// <summary>How a job ended: rows written and left out, whether it resumed a checkpoint, how long it took.</summary>
internal sealed record JobSummary(long RowsWritten, long RowsFailed, bool Resumed, TimeSpan Elapsed, string ErrorsPath);
