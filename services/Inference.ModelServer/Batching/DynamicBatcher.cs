using System.Threading.Channels;
using Inference.Contracts.Oip;
using Inference.Grpc;
using Inference.ModelServer.Execution;

namespace Inference.ModelServer.Batching;

/// <summary>
/// Merges concurrent requests into one Run. One loop reads the queue and keeps an open batch per shape (sizes
/// past dimension 0): a request joins the open batch of its shape, or opens one. A batch runs on the thread
/// pool once it holds <c>maxBatchSize</c> rows, once its first request has waited <c>maxDelay</c>, or at
/// once when draining; the loop meanwhile goes on filling the others.
/// </summary>
internal sealed class DynamicBatcher
{
    private readonly Channel<BatchItem> _queue = Channel.CreateUnbounded<BatchItem>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private readonly InferenceEngine _engine;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _flush = new();
    private readonly Task _loop;

    public DynamicBatcher(InferenceEngine engine, int maxBatchSize, TimeSpan maxDelay, TimeProvider time)
    {
        _engine = engine;
        _maxBatchSize = maxBatchSize;
        _maxDelay = maxDelay;
        _time = time;
        _loop = Task.Run(RunAsync);
    }

    public int MaxBatchSize => _maxBatchSize;

    /// <summary>Queues <paramref name="request"/>; completes with its own response.</summary>
    public Task<ModelInferResponse> SubmitAsync(DecodedRequest request, CancellationToken cancellationToken)
    {
        var item = new BatchItem(request, _time.GetTimestamp(), cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new GrpcException(StatusCode.Unavailable, "The server is shutting down.");
        }

        return item.Task;
    }

    /// <summary>Stops waiting for batches to fill: from now on every batch runs with what is queued (drain).</summary>
    public void Flush() => _flush.Cancel();

    /// <summary>Runs what is queued, then ends the loop.</summary>
    public async Task StopAsync()
    {
        Flush();
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var open = new List<OpenBatch>();
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                Add(open, item);
            }

            // Dispatch, oldest first, every batch whose first request has waited long enough (all when draining).
            var flushing = _flush.IsCancellationRequested;
            TimeSpan? nearest = null;
            for (var i = 0; i < open.Count;)
            {
                var remaining = _maxDelay - _time.GetElapsedTime(open[i].StartedAt);
                if (flushing || remaining <= TimeSpan.Zero)
                {
                    Dispatch(open[i].Items);
                    open.RemoveAt(i);
                    continue;
                }

                nearest = nearest is { } n && n < remaining ? n : remaining;
                i++;
            }

            if (nearest is not { } delay)
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            using var window = CancellationTokenSource.CreateLinkedTokenSource(_flush.Token);
            window.CancelAfter(delay);
            var wait = reader.WaitToReadAsync(window.Token).AsTask();
            await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (wait.IsCompletedSuccessfully && !wait.Result)
            {
                foreach (var batch in open)
                {
                    Dispatch(batch.Items);
                }

                return;
            }
        }
    }

    /// <summary>Puts <paramref name="item"/> into the open batch of its shape, dispatching that batch once full.</summary>
    private void Add(List<OpenBatch> open, BatchItem item)
    {
        if (item.CancellationToken.IsCancellationRequested)
        {
            item.TrySetCanceled(item.CancellationToken);
            return;
        }

        var rows = item.Request.Rows;
        for (var i = 0; i < open.Count; i++)
        {
            var batch = open[i];
            if (!batch.Items[0].Request.IsBatchCompatible(item.Request))
            {
                continue;
            }

            if (batch.Rows + rows > _maxBatchSize)
            {
                // Full enough: it goes now, and this request opens the next batch of its shape.
                Dispatch(batch.Items);
                open[i] = new OpenBatch(item);
                return;
            }

            batch.Items.Add(item);
            batch.Rows += rows;
            if (batch.Rows == _maxBatchSize)
            {
                Dispatch(batch.Items);
                open.RemoveAt(i);
            }

            return;
        }

        open.Add(new OpenBatch(item));
    }

    private void Dispatch(List<BatchItem> items) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Engine.ExecuteBatch(state.Items), (Engine: _engine, Items: items), preferLocal: false);

    /// <summary>Requests of one shape waiting to run together.</summary>
    private sealed class OpenBatch(BatchItem first)
    {
        public List<BatchItem> Items { get; } = [first];

        public long Rows { get; set; } = first.Request.Rows;

        public long StartedAt { get; } = first.EnqueuedAt;
    }
}
