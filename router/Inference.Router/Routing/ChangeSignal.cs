namespace Inference.Router.Routing;

/// <summary>
/// Wakes whoever waits for what the router's health answers depend on to change: a published routing snapshot, an
/// endpoint's health or addresses, the start of shutdown. Waiters take <see cref="Next"/> before reading the state,
/// so a change made in between is never missed.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
