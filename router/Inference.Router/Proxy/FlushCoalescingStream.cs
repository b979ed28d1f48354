using System.IO.Pipelines;

namespace Inference.Router.Proxy;

/// <summary>
/// The upstream request stream as the forwarder sees it: writes pass through, and a flush is
/// dropped while the client's request body has more bytes ready or has ended. The forwarder flushes
/// after the headers and after every chunk (gRPC may stream), which sends a unary call as three
/// packets (HEADERS, DATA, END_STREAM) and makes the upstream wake up for each; dropped flushes let
/// HttpClient send all three at once with its end-of-stream flush. A flush still goes out whenever
/// the next read of the body would wait, so a streaming body is never held back.
/// </summary>
internal sealed class FlushCoalescingStream : Stream
{
    private Stream _inner = Null;
    private PipeReader? _source;

    /// <param name="inner">HttpClient's request body stream.</param>
    /// <param name="source">Kestrel's reader of the client's request body (peeked at, never consumed here).</param>
    public void Attach(Stream inner, PipeReader source)
    {
        _inner = inner;
        _source = source;
    }

    public void Detach()
    {
        _inner = Null;
        _source = null;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    public override void Flush()
    {
        if (!MoreBodyReady())
        {
            _inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        MoreBodyReady() ? Task.CompletedTask : _inner.FlushAsync(cancellationToken);

    /// <summary>
    /// True when the forwarder's next read of the body completes at once with bytes or a clean end
    /// (HttpClient then flushes with END_STREAM). The forwarder reads and flushes in turn, so this
    /// never races its reads.
    /// </summary>
    private bool MoreBodyReady()
    {
        var source = _source;
        if (source is null)
        {
            return false;
        }

        ReadResult result;
        try
        {
            if (!source.TryRead(out result))
            {
                return false;
            }
        }
        catch (Exception)
        {
            // The client's body failed (reset, aborted): flush as before and let the forwarder's
            // own read report it, so the upstream stream is reset rather than ended.
            return false;
        }

        var ready = !result.Buffer.IsEmpty || result.IsCompleted;
        source.AdvanceTo(result.Buffer.Start);
        return ready;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
