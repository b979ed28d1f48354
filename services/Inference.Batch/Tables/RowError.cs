namespace Inference.Batch.Tables;

/// <summary>A row left out of the output: its 1-based number among the file's data rows, its line when known, why.</summary>
internal sealed record RowError(long Row, long? Line, string Reason);
