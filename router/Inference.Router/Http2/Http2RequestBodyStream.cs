namespace Inference.Router.Http2;

/// <summary>
/// What the request's <see cref="HttpContent"/> writes to. Writes are buffered; a flush sends the
/// buffered bytes (with the HEADERS first if they have not gone yet), waiting for flow-control
/// credit when the windows are closed. A body the content writes without waiting is sent with its
/// HEADERS and END_STREAM in one socket write by the handler instead.
/// </summary>
internal sealed class Http2RequestBodyStream(Http2Stream stream) : Stream
{
    /// <summary>Buffered bytes past which a write sends them without waiting for a flush.</summary>
    private const int SendThreshold = 64 * 1024;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => Connection.AppendBody(stream, buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var buffered = Connection.AppendBody(stream, buffer.Span);
        return buffered >= SendThreshold ? Connection.PumpAsync(stream, endStream: false) : default;
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        var pumped = Connection.PumpAsync(stream, endStream: false);
        return pumped.IsCompletedSuccessfully ? Task.CompletedTask : pumped.AsTask();
    }

    private Http2Connection Connection => stream.Connection ?? throw new InvalidOperationException("the stream has no connection");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
