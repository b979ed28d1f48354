using Inference.Batch.Tables;
using Inference.Batch.Tensors;

namespace Inference.Batch.Output;

/// <summary>
/// A Run's rows with the model's answers: segments of consecutive batch rows that were scored together (one segment
/// normally; one per row when a refused Run was retried row by row), and the rows that failed.
/// </summary>
internal sealed record ScoredRun(RowBatch Batch, IReadOnlyList<ScoredSegment> Segments, IReadOnlyList<RowError> Errors);

/// <summary>Batch rows [FirstRow, FirstRow + Rows) and their outputs (row 0 of the outputs is batch row FirstRow).</summary>
internal sealed record ScoredSegment(int FirstRow, int Rows, IReadOnlyList<OutputTensor> Outputs, string ModelVersion);
