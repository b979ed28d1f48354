namespace Inference.Engine.Execution;

/// <summary>
/// Bounds the inferences admitted at once (running, or waiting in the batcher). A request beyond the limit waits
/// up to the queue timeout for a slot; the uncontended path takes no allocation.
/// </summary>
internal sealed class Admission
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _queueTimeout;
    private readonly TimeProvider _time;
    private int _waiting;

    public Admission(int limit, TimeSpan queueTimeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _slots = new SemaphoreSlim(limit, limit);
        _queueTimeout = queueTimeout;
        _time = time;
    }

    public int Limit { get; }

    /// <summary>Slots taken.</summary>
    public int InFlight => Limit - _slots.CurrentCount;

    /// <summary>Requests waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public bool TryEnter() => _slots.Wait(0);

    /// <summary>Waits up to the queue timeout for a slot; false when none came free in time.</summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (_queueTimeout <= TimeSpan.Zero)
        {
            return false;
        }

        Interlocked.Increment(ref _waiting);
        try
        {
            // The timeout runs on the injected clock; a wait that is cancelled never holds a slot.
            using var timeout = new CancellationTokenSource(_queueTimeout, _time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            var wait = _slots.WaitAsync(either.Token);
            await wait.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (wait.IsCompletedSuccessfully)
            {
                return true;
            }

            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public void Exit() => _slots.Release();
}
