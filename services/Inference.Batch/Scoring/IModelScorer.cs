using Inference.Batch.Models;
using Inference.Contracts.Oip;

namespace Inference.Batch.Scoring;

/// <summary>
/// Scores Runs of rows with one model version: rows in (an OIP ModelInferRequest with raw input contents), output
/// tensors out. In-process on ONNX Runtime, or remote through a model server or the router.
/// </summary>
internal interface IModelScorer : IAsyncDisposable
{
    ModelDescription Model { get; }

    /// <summary>
    /// Scores <paramref name="rows"/> rows. Throws <see cref="RunRefusedException"/> when the model refuses the
    /// rows' values (the job then finds the rows to blame), <see cref="Jobs.JobException"/> when scoring cannot go on.
    /// </summary>
    ValueTask<ScoredTensors> ScoreAsync(ModelInferRequest request, int rows, CancellationToken cancellationToken);
}
