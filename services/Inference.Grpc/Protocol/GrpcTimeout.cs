using System.Globalization;

namespace Inference.Grpc;

/// <summary>The <c>grpc-timeout</c> header: 1 to 8 ASCII digits followed by a unit (H M S m u n).</summary>
public static class GrpcTimeout
{
    private const int MaxDigits = 8;
    private const long MaxValue = 99_999_999;

    /// <summary>Parses a header value. False for anything malformed (empty, too long, bad unit).</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > MaxDigits + 1)
        {
            return false;
        }

        long number = 0;
        var digits = value[..^1];
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        // Ticks are 100 ns; the largest value in hours (99,999,999 H) still fits in a TimeSpan.
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = number * TimeSpan.TicksPerHour; break;
            case 'M': ticks = number * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = number * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = number * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = number * 10; break;
            case 'n': ticks = (number + 99) / 100; break; // round up so a tiny timeout is not zero
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a timeout with the finest unit whose value fits in 8 digits. Non-positive
    /// timeouts become <c>1n</c> (already expired).
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = timeout.Ticks;
        if (ticks <= 0)
        {
            return "1n";
        }

        // Round up at each step so the peer never sees a shorter deadline than ours.
        if (ticks <= MaxValue / 100)
        {
            return Compose(ticks * 100, 'n');
        }

        var micros = CeilDiv(ticks, 10);
        if (micros <= MaxValue)
        {
            return Compose(micros, 'u');
        }

        var millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return Compose(millis, 'm');
        }

        var seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return Compose(seconds, 'S');
        }

        var minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return Compose(minutes, 'M');
        }

        return Compose(Math.Min(CeilDiv(ticks, TimeSpan.TicksPerHour), MaxValue), 'H');
    }

    private static long CeilDiv(long value, long divisor) => (value / divisor) + (value % divisor == 0 ? 0 : 1);

    private static string Compose(long value, char unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
}
