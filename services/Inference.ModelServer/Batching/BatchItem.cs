using Inference.Contracts.Oip;
using Inference.ModelServer.Execution;

namespace Inference.ModelServer.Batching;

/// <summary>A request waiting in the batcher, and the completion its caller awaits.</summary>
internal sealed class BatchItem(DecodedRequest request, long enqueuedAt, CancellationToken cancellationToken)
    : TaskCompletionSource<ModelInferResponse>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public DecodedRequest Request { get; } = request;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when it was queued.</summary>
    public long EnqueuedAt { get; } = enqueuedAt;

    public CancellationToken CancellationToken { get; } = cancellationToken;
}
