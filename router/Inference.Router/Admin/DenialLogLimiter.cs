namespace Inference.Router.Admin;

/// <summary>
/// Lets through at most <see cref="PerWindow"/> denial log lines per <see cref="Window"/>: a flood of bad tokens
/// must not flood the log. The ones held back are counted and reported with the next line that is written (every
/// denial is counted in metrics regardless).
/// </summary>
internal sealed class DenialLogLimiter(TimeProvider time)
{
    public const int PerWindow = 10;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private long _windowStart = long.MinValue;
    private int _written;
    private long _held;

    /// <summary>True when this denial may be logged; <paramref name="heldBefore"/> is how many were not since the last line.</summary>
    public bool TryLog(out long heldBefore)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= Window)
            {
                _windowStart = now;
                _written = 0;
            }

            if (_written < PerWindow)
            {
                _written++;
                heldBefore = _held;
                _held = 0;
                return true;
            }

            _held++;
            heldBefore = 0;
            return false;
        }
    }
}
