using System.Globalization;

namespace Inference.Batch.Progress;

/// <summary>
/// Rows done, rows per second and the time left. On a terminal one line is rewritten in place every second; otherwise
/// (a log, a Kubernetes pod) a plain line every <c>interval</c>.
/// </summary>
internal sealed class ProgressReporter(TextWriter output, bool live, TimeSpan interval, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private long _lastReport = time.GetTimestamp();
    private long _rowsAtStart = -1;
    private bool _lineOpen;

    /// <summary>Reports if a report is due. <paramref name="done"/> counts rows since the job (re)started; <paramref name="fraction"/> of the work is done when known.</summary>
    public void Update(long done, long failed, double? fraction, bool force = false)
    {
        var now = time.GetTimestamp();
        if (_rowsAtStart < 0)
        {
            _rowsAtStart = done;
        }

        if (!force && time.GetElapsedTime(_lastReport, now) < (live ? TimeSpan.FromSeconds(1) : interval))
        {
            return;
        }

        _lastReport = now;
        var line = Format(done, failed, fraction, time.GetElapsedTime(_started, now));
        if (live)
        {
            output.Write("\r" + line.PadRight(78));
            _lineOpen = true;
        }
        else
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Ends the live line so that the next output starts on its own line.</summary>
    public void End()
    {
        if (_lineOpen)
        {
            output.WriteLine();
            _lineOpen = false;
        }
    }

    public string Format(long done, long failed, double? fraction, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds > 0 ? (done - Math.Max(0, _rowsAtStart)) / elapsed.TotalSeconds : 0;
        var text = string.Create(CultureInfo.InvariantCulture, $"progress: {done} rows, {rate:0} rows/s");
        if (failed > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", {failed} bad");
        }

        if (fraction is > 0 and <= 1)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", {fraction.Value * 100:0.0}%");
            if (fraction < 1)
            {
                var left = TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction.Value) / fraction.Value);
                text += $", ETA {Duration(left)}";
            }
        }

        return text;
    }

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:00}m" : span.TotalMinutes >= 1 ? $"{span.Minutes}m{span.Seconds:00}s" : $"{span.Seconds}s";
}
