using System.Threading.Tasks.Sources;

namespace Inference.Router.Http2;

/// <summary>
/// A reusable one-waiter signal. The owner decides under its own lock whether to wait
/// (<see cref="Arm"/>) and, under the same lock, whether a waiter is to be woken
/// (<see cref="Disarm"/>); it calls <see cref="Complete"/> or <see cref="Fail"/> outside the lock,
/// so continuations (which may run inline) never run under it. Cancellation is the owner's: it
/// fails the whole stream, which wakes the waiter.
/// </summary>
internal sealed class Http2Signal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public Http2Signal(bool inline)
    {
        _core.RunContinuationsAsynchronously = !inline;
    }

    /// <summary>Whether a waiter is armed and not yet woken; read and written under the owner's lock.</summary>
    public bool Armed { get; private set; }

    /// <summary>Arms the signal (owner's lock held) and returns what the waiter awaits.</summary>
    public ValueTask Arm()
    {
        _core.Reset();
        Armed = true;
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Disarms under the owner's lock; true when the caller must then complete or fail it.</summary>
    public bool Disarm()
    {
        if (!Armed)
        {
            return false;
        }

        Armed = false;
        return true;
    }

    public void Complete() => _core.SetResult(true);

    public void Fail(Exception error) => _core.SetException(error);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
