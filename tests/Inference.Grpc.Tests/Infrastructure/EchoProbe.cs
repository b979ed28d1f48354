namespace Inference.Grpc.Tests;

/// <summary>What the echo handlers observed, for tests to wait on (never a sleep: a bounded wait on a signal).</summary>
internal sealed class EchoProbe
{
    private readonly object _lock = new();
    private TaskCompletionSource<string> _started = NewSource<string>();
    private TaskCompletionSource<bool> _cancelled = NewSource<bool>();
    private TaskCompletionSource<bool> _cancelledByClient = NewSource<bool>();

    /// <summary>Completes with the peer when a <c>sleep</c> handler starts.</summary>
    public Task<string> HandlerStarted { get { lock (_lock) { return _started.Task; } } }

    /// <summary>Completes when a <c>sleep</c> handler sees its token cancelled (true if the call had a deadline).</summary>
    public Task<bool> HandlerCancelled { get { lock (_lock) { return _cancelled.Task; } } }

    /// <summary>Completes when a <c>sleep</c> handler without a deadline sees its token cancelled.</summary>
    public Task<bool> HandlerCancelledByClient { get { lock (_lock) { return _cancelledByClient.Task; } } }

    public void Reset()
    {
        lock (_lock)
        {
            _started = NewSource<string>();
            _cancelled = NewSource<bool>();
            _cancelledByClient = NewSource<bool>();
        }
    }

    public void Started(string peer)
    {
        lock (_lock)
        {
            _started.TrySetResult(peer);
        }
    }

    public void Cancelled(bool hadDeadline)
    {
        lock (_lock)
        {
            _cancelled.TrySetResult(hadDeadline);
            if (!hadDeadline)
            {
                _cancelledByClient.TrySetResult(true);
            }
        }
    }

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
