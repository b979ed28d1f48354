using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using Inference.Engine.Requests;
using Inference.Engine.Responses;

namespace Inference.Engine.Batching;

/// <summary>
/// A request waiting in the batcher and the completion its caller awaits. Pooled, so batching allocates nothing
/// per request beyond the response: it goes back to its pool once both the caller has read the result and the
/// batch runner is done with it. A call that is cancelled (client gone, deadline passed) while it waits is
/// answered at once and skipped by its batch.
/// </summary>
internal sealed class BatchItem : IValueTaskSource<InferResult>
{
    private static readonly Action<object?> Cancelled = static state => ((BatchItem)state!).OnCancelled();

    private readonly ConcurrentQueue<BatchItem> _pool;
    private readonly int _poolLimit;

    // The runner that answers an item goes on with its caller's call (writing the response) on its own thread: no
    // thread-pool hop per request, and the batch counts as running until its responses are written, which is
    // the time the next batch has to collect requests.
    private ManualResetValueTaskSourceCore<InferResult> _core;
    private CancellationTokenRegistration _registration;
    private int _claimed;
    private int _references;

    private BatchItem(ConcurrentQueue<BatchItem> pool, int poolLimit)
    {
        _pool = pool;
        _poolLimit = poolLimit;
    }

    public DecodedRequest Request { get; private set; } = null!;

    public CancellationToken CancellationToken { get; private set; }

    /// <summary>A pooled item (or a new one) for <paramref name="request"/>, held by the caller and the batcher.</summary>
    public static BatchItem Rent(ConcurrentQueue<BatchItem> pool, int poolLimit, DecodedRequest request, CancellationToken cancellationToken)
    {
        if (!pool.TryDequeue(out var item))
        {
            item = new BatchItem(pool, poolLimit);
        }

        item.Request = request;
        item.CancellationToken = cancellationToken;
        item._claimed = 0;
        item._references = 2;
        if (cancellationToken.CanBeCanceled)
        {
            item._registration = cancellationToken.UnsafeRegister(Cancelled, item);
        }

        return item;
    }

    /// <summary>What the caller awaits; read it once.</summary>
    public ValueTask<InferResult> AsValueTask() => new(this, _core.Version);

    /// <summary>
    /// The runner takes the item to run it; false when its call was cancelled first (it is answered already).
    /// </summary>
    public bool TryClaim()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
        {
            return false;
        }

        // Waits for a callback that is running right now, so none can outlive this use of the item.
        _registration.Dispose();
        _registration = default;
        return true;
    }

    /// <summary>Answers a claimed item.</summary>
    public void SetResult(InferResult response) => _core.SetResult(response);

    /// <inheritdoc cref="SetResult"/>
    public void SetException(Exception exception) => _core.SetException(exception);

    /// <summary>The batcher is done with the item.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        Request = null!;
        CancellationToken = default;
        _core.Reset();
        _core.RunContinuationsAsynchronously = false;
        if (_pool.Count < _poolLimit)
        {
            _pool.Enqueue(this);
        }
    }

    public InferResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void OnCancelled()
    {
        if (Interlocked.Exchange(ref _claimed, 1) == 0)
        {
            // Not inside the canceller's callback (Kestrel's abort, the deadline timer): on the thread pool.
            _core.RunContinuationsAsynchronously = true;
            _core.SetException(new OperationCanceledException(CancellationToken));
        }
    }
}
