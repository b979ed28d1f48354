using System.Collections.Concurrent;

using Inference.Engine.Execution;
using Inference.Engine.Requests;
using Inference.Engine.Responses;

namespace Inference.Engine.Batching;

/// <summary>
/// Merges concurrent requests into one Run, eagerly. A request joins the waiting batch of its shape (sizes past
/// dimension 0) or opens one. When no batch is running, the oldest waiting batch starts at once, queued behind the
/// requests the server has already received (which join it first): a lone request never waits. A batch runs until its responses are written (its runner goes on with each caller's call, so the
/// callers' threads are free for arriving requests), and meanwhile the next batch collects; a runner that is done
/// takes the oldest waiting batch.
/// A waiting batch also starts alongside the running ones (up to one runner per core) once it is full or, checked
/// as requests arrive, once its first request has waited <c>maxDelay</c>. Draining starts everything at once.
/// </summary>
internal sealed class DynamicBatcher
{
    private readonly Lock _lock = new();
    private readonly InferenceEngine _engine;
    private readonly int _itemPoolLimit;
    private readonly TimeProvider _time;
    private readonly long _maxDelayTicks;
    private readonly int _maxRunning;
    private readonly int _inputCount;
    private readonly int _outputCount;
    private readonly List<PendingBatch> _waiting = [];
    private readonly Stack<PendingBatch> _spare = new();
    private readonly ConcurrentQueue<BatchItem> _items = new();
    private int _running;
    private bool _paused;
    private bool _flushing;
    private bool _stopped;
    private TaskCompletionSource? _idle;

    /// <param name="maxInFlight">The admission limit: no more items than that are ever in use at once.</param>
    public DynamicBatcher(InferenceEngine engine, int maxInFlight, int inputCount, int outputCount, int maxBatchSize, TimeSpan maxDelay, TimeProvider time)
    {
        _engine = engine;
        _itemPoolLimit = maxInFlight;
        _inputCount = inputCount;
        _outputCount = outputCount;
        MaxBatchSize = maxBatchSize;
        _time = time;
        _maxDelayTicks = (long)Math.Min(maxDelay.TotalSeconds * time.TimestampFrequency, long.MaxValue / 2);
        _maxRunning = Math.Max(1, Environment.ProcessorCount);
    }

    public int MaxBatchSize { get; }

    /// <summary>Requests waiting in batches that have not started.</summary>
    internal int WaitingRequests
    {
        get
        {
            lock (_lock)
            {
                var count = 0;
                foreach (var batch in _waiting)
                {
                    count += batch.Items.Count;
                }

                return count;
            }
        }
    }

    /// <summary>Queues <paramref name="request"/>; completes with its own response.</summary>
    public ValueTask<InferResult> SubmitAsync(DecodedRequest request, CancellationToken cancellationToken)
    {
        BatchItem item;
        PendingBatch? start;
        lock (_lock)
        {
            if (_stopped)
            {
                throw new InferenceException(InferenceErrorKind.Unavailable, "The server is shutting down.");
            }

            item = BatchItem.Rent(_items, _itemPoolLimit, request, cancellationToken);
            var now = _time.GetTimestamp();
            Join(item, now);
            start = TakeStartable(now);
            if (start is not null)
            {
                _running++;
                for (var more = TakeStartable(now); more is not null; more = TakeStartable(now))
                {
                    _running++;
                    ThreadPool.UnsafeQueueUserWorkItem(more, preferLocal: false);
                }
            }
        }

        var result = item.AsValueTask();
        if (start is not null)
        {
            // The global queue, behind the requests the server has already received (Kestrel queues each there):
            // they join this batch before it runs. With nothing queued it runs at once.
            ThreadPool.UnsafeQueueUserWorkItem(start, preferLocal: false);
        }

        return result;
    }

    /// <summary>Stops waiting for batches to fill: from now on every batch starts at once (drain).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            _flushing = true;
            StartAllStartable();
        }
    }

    /// <summary>Holds every waiting batch until <see cref="Resume"/> or a flush (tests use it to merge deterministically).</summary>
    internal void Pause()
    {
        lock (_lock)
        {
            _paused = true;
        }
    }

    internal void Resume()
    {
        lock (_lock)
        {
            _paused = false;
            StartAllStartable();
        }
    }

    /// <summary>Refuses new requests, starts what waits, and completes once no batch is running.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            _stopped = true;
            _flushing = true;
            StartAllStartable();
            if (_running == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>
    /// A runner on the thread pool: runs <paramref name="batch"/> (answering each caller goes on with its call on
    /// this thread), then the oldest waiting batch, until none waits.
    /// </summary>
    internal void Run(PendingBatch batch)
    {
        while (true)
        {
            _engine.ExecuteBatch(batch);
            lock (_lock)
            {
                batch.Clear();
                _spare.Push(batch);
                var next = _waiting.Count > 0 && (!_paused || _flushing) ? TakeAt(0) : null;
                if (next is null)
                {
                    _running--;
                    if (_running == 0 && _idle is { } idle)
                    {
                        idle.TrySetResult();
                    }

                    return;
                }

                batch = next;
            }
        }
    }

    /// <summary>Under the lock: adds <paramref name="item"/> to the waiting batch of its shape, or opens one.</summary>
    private void Join(BatchItem item, long now)
    {
        var request = item.Request;
        foreach (var batch in _waiting)
        {
            if (batch.Full || !batch.Items[0].Request.IsBatchCompatible(request))
            {
                continue;
            }

            if (batch.Rows + request.Rows > MaxBatchSize)
            {
                // It cannot take this request: it is as full as it gets, and this one opens the next batch.
                batch.Full = true;
                continue;
            }

            batch.Items.Add(item);
            batch.Rows += request.Rows;
            batch.Full = batch.Rows == MaxBatchSize;
            return;
        }

        var opened = _spare.Count > 0 ? _spare.Pop() : new PendingBatch(this, MaxBatchSize, _inputCount, _outputCount);
        opened.Start(item, now);
        opened.Full = opened.Rows >= MaxBatchSize;
        _waiting.Add(opened);
    }

    /// <summary>Under the lock: the batch a new runner should start now, removed from the waiting list, or null.</summary>
    private PendingBatch? TakeStartable(long now)
    {
        if (_waiting.Count == 0)
        {
            return null;
        }

        if (_flushing || (!_paused && _running == 0))
        {
            return TakeAt(0);
        }

        if (_paused || _running >= _maxRunning)
        {
            return null;
        }

        for (var i = 0; i < _waiting.Count; i++)
        {
            var batch = _waiting[i];
            if (batch.Full || now - batch.StartedAt >= _maxDelayTicks)
            {
                return TakeAt(i);
            }
        }

        return null;
    }

    private void StartAllStartable()
    {
        var now = _time.GetTimestamp();
        for (var batch = TakeStartable(now); batch is not null; batch = TakeStartable(now))
        {
            _running++;
            ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
        }
    }

    private PendingBatch TakeAt(int index)
    {
        var batch = _waiting[index];
        _waiting.RemoveAt(index);
        return batch;
    }
}
