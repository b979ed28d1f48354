namespace Inference.Grpc.Tests;

/// <summary>
/// A clock whose timers never fire: a client using it sends its grpc-timeout but never enforces the deadline
/// itself, so a DEADLINE_EXCEEDED it reports can only have come from the server.
/// </summary>
internal sealed class StoppedClock : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new StoppedTimer();

    private sealed class StoppedTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
