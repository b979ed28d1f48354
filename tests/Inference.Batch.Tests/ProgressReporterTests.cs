using Inference.Batch.Progress;

namespace Inference.Batch.Tests;

public sealed class ProgressReporterTests
{
    [Fact]
    public void Update_NotATerminal_WritesAPlainLineOncePerInterval()
    {
        var time = new ManualTime();
        var output = new StringWriter();
        var progress = new ProgressReporter(output, live: false, TimeSpan.FromSeconds(10), time);

        progress.Update(0, 0, null);
        time.Advance(TimeSpan.FromSeconds(5));
        progress.Update(500, 0, 0.25);
        Assert.Equal("", output.ToString());

        time.Advance(TimeSpan.FromSeconds(5));
        progress.Update(1000, 3, 0.5);

        Assert.Equal("progress: 1000 rows, 100 rows/s, 3 bad, 50.0%, ETA 10s" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Update_Terminal_RewritesOneLineEverySecond()
    {
        var time = new ManualTime();
        var output = new StringWriter();
        var progress = new ProgressReporter(output, live: true, TimeSpan.FromSeconds(10), time);

        progress.Update(0, 0, null);
        time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(200, 0, null);
        time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(400, 0, null);
        progress.End();

        var text = output.ToString();
        Assert.Equal(2, text.Count(c => c == '\r'));
        Assert.Contains("\rprogress: 400 rows, 200 rows/s", text);
        Assert.EndsWith(Environment.NewLine, text);
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan span) => _ticks += span.Ticks;
    }
}
