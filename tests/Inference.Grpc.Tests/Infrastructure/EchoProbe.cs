using System.Collections.Concurrent;

namespace Inference.Grpc.Tests;

/// <summary>What the echo handlers observed, for tests to wait on (never a sleep: a bounded wait on a signal).</summary>
internal sealed class EchoProbe
{
    private readonly object _lock = new();
    private TaskCompletionSource<string> _started = NewSource<string>();
    private TaskCompletionSource<CancelledBy> _cancelled = NewSource<CancelledBy>();
    private TaskCompletionSource<CancelledBy> _cancelledByClient = NewSource<CancelledBy>();
    private TaskCompletionSource _stubbornStarted = NewSource();
    private TaskCompletionSource _stubbornRelease = NewSource();
    private TaskCompletionSource<Exception?> _lateWrite = NewSource<Exception?>();
    private TaskCompletionSource _gathered = NewSource();
    private int _gatherTarget = int.MaxValue;
    private int _gatherCount;

    /// <summary>Who cancelled a <c>sleep</c> handler's token.</summary>
    public enum CancelledBy
    {
        Deadline,
        Client,
    }

    /// <summary>Completes with the peer when a <c>sleep</c> handler starts.</summary>
    public Task<string> HandlerStarted { get { lock (_lock) { return _started.Task; } } }

    /// <summary>Completes when a <c>sleep</c> handler sees its token cancelled, saying by whom.</summary>
    public Task<CancelledBy> HandlerCancelled { get { lock (_lock) { return _cancelled.Task; } } }

    /// <summary>Completes only when a <c>sleep</c> handler's token is cancelled by the client (no deadline set).</summary>
    public Task<CancelledBy> HandlerCancelledByClient { get { lock (_lock) { return _cancelledByClient.Task; } } }

    /// <summary>Completes when a <c>stubborn</c> handler (one that ignores its token) starts waiting.</summary>
    public Task StubbornStarted { get { lock (_lock) { return _stubbornStarted.Task; } } }

    /// <summary>
    /// The outcome of the write a <c>stubborn</c> handler tries once released: the exception it got, or null
    /// when the runtime accepted the write.
    /// </summary>
    public Task<Exception?> LateWrite { get { lock (_lock) { return _lateWrite.Task; } } }

    /// <summary>Connection ids of the <c>gather</c> calls, with how many calls each carried.</summary>
    public ConcurrentDictionary<string, int> GatherConnections { get; } = new();

    public void Reset()
    {
        lock (_lock)
        {
            _stubbornRelease.TrySetResult();
            _started = NewSource<string>();
            _cancelled = NewSource<CancelledBy>();
            _cancelledByClient = NewSource<CancelledBy>();
            _stubbornStarted = NewSource();
            _stubbornRelease = NewSource();
            _lateWrite = NewSource<Exception?>();
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
            _cancelled.TrySetResult(hadDeadline ? CancelledBy.Deadline : CancelledBy.Client);
            if (!hadDeadline)
            {
                _cancelledByClient.TrySetResult(CancelledBy.Client);
            }
        }
    }

    /// <summary>Lets every waiting <c>stubborn</c> handler go on (also on server disposal).</summary>
    public void ReleaseStubborn()
    {
        lock (_lock)
        {
            _stubbornRelease.TrySetResult();
        }
    }

    /// <summary>
    /// What a <c>stubborn</c> handler does: waits for the release, deaf to its token. Returns where to report
    /// its late write: the source current when it started, not that of a later test.
    /// </summary>
    public async Task<TaskCompletionSource<Exception?>> WaitStubbornAsync()
    {
        Task release;
        TaskCompletionSource<Exception?> lateWrite;
        lock (_lock)
        {
            _stubbornStarted.TrySetResult();
            release = _stubbornRelease.Task;
            lateWrite = _lateWrite;
        }

        await release;
        return lateWrite;
    }

    /// <summary>Waits for a released <c>stubborn</c> handler's write and checks the runtime refused it for the deadline.</summary>
    public async Task AssertLateWriteRefusedByDeadlineAsync()
    {
        var exception = await LateWrite.WaitAsync(TimeSpan.FromSeconds(60));
        var refused = Assert.IsType<OperationCanceledException>(exception);
        Assert.Contains("deadline passed", refused.Message, StringComparison.Ordinal);
    }

    /// <summary><c>gather</c> calls wait until <paramref name="count"/> of them are in flight at once.</summary>
    public void ExpectGathering(int count)
    {
        GatherConnections.Clear();
        _gathered = NewSource();
        Volatile.Write(ref _gatherCount, 0);
        Volatile.Write(ref _gatherTarget, count);
    }

    public Task GatherAsync(string connectionId, CancellationToken cancellationToken)
    {
        GatherConnections.AddOrUpdate(connectionId, 1, static (_, n) => n + 1);
        if (Interlocked.Increment(ref _gatherCount) >= Volatile.Read(ref _gatherTarget))
        {
            _gathered.TrySetResult();
        }

        return _gathered.Task.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
