using System.IO.Pipelines;
using Inference.Router.Proxy;

namespace Inference.Router.Tests.Unit;

public sealed class FlushCoalescingStreamTests
{
    private sealed class RecordingStream : MemoryStream
    {
        public int Flushes { get; private set; }

        public override void Flush() => Flushes++;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }
    }

    private static (FlushCoalescingStream Stream, RecordingStream Inner, Pipe Body) Create()
    {
        var body = new Pipe();
        var inner = new RecordingStream();
        var stream = new FlushCoalescingStream();
        stream.Attach(inner, body.Reader);
        return (stream, inner, body);
    }

    [Fact]
    public async Task Flush_WhileBodyBytesAreBuffered_IsDroppedAndConsumesNothing()
    {
        var (stream, inner, body) = Create();
        await body.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 3, 1, 2, 3 });

        await stream.FlushAsync();

        Assert.Equal(0, inner.Flushes);
        Assert.True(body.Reader.TryRead(out var result));
        Assert.Equal(8, result.Buffer.Length);
    }

    [Fact]
    public async Task Flush_AfterBodyEnded_IsDropped()
    {
        var (stream, inner, body) = Create();
        await body.Writer.CompleteAsync();

        await stream.FlushAsync();

        Assert.Equal(0, inner.Flushes);
    }

    [Fact]
    public async Task Flush_WhenNextReadWouldWait_GoesThrough()
    {
        var (stream, inner, body) = Create();
        await body.Writer.FlushAsync();

        await stream.FlushAsync();
        stream.Flush();

        Assert.Equal(2, inner.Flushes);
    }

    [Fact]
    public async Task Flush_AfterBodyFailed_GoesThroughAndLeavesTheErrorToTheReader()
    {
        var (stream, inner, body) = Create();
        await body.Writer.CompleteAsync(new IOException("client reset"));

        await stream.FlushAsync();

        Assert.Equal(1, inner.Flushes);
        await Assert.ThrowsAsync<IOException>(async () => await body.Reader.ReadAsync());
    }

    [Fact]
    public async Task Flush_OnceBufferedBytesAreConsumed_GoesThrough()
    {
        var (stream, inner, body) = Create();
        await body.Writer.WriteAsync(new byte[] { 7, 7 });
        await stream.FlushAsync();
        Assert.True(body.Reader.TryRead(out var result));
        body.Reader.AdvanceTo(result.Buffer.End);

        await stream.FlushAsync();

        Assert.Equal(1, inner.Flushes);
    }

    [Fact]
    public async Task Writes_PassThroughUnchanged()
    {
        var (stream, inner, _) = Create();

        await stream.WriteAsync(new byte[] { 1, 2 });
        await stream.WriteAsync(new byte[] { 9, 3, 4, 9 }, 1, 2);
        stream.Write([5]);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, inner.ToArray());
    }

    [Fact]
    public async Task Flush_WhenDetached_GoesThroughToNothing()
    {
        var (stream, inner, _) = Create();
        stream.Detach();

        await stream.FlushAsync();
        await stream.WriteAsync(new byte[] { 1 });

        Assert.Equal(0, inner.Flushes);
        Assert.Empty(inner.ToArray());
    }
}
