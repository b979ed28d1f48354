namespace Inference.Router.Proxy;

/// <summary>
/// Wraps the request body handed to the forwarder and records whether any byte was read from it:
/// a failed attempt that read nothing can be retried on another endpoint with the body intact.
/// </summary>
internal sealed class BodyReadTracker : Stream
{
    private Stream _inner = Null;

    public bool AnyRead { get; private set; }

    public void Attach(Stream inner)
    {
        _inner = inner;
        AnyRead = false;
    }

    public void Detach() => _inner = Null;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        AnyRead = true;
        return _inner.Read(buffer, offset, count);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        AnyRead = true;
        return _inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        AnyRead = true;
        return _inner.CopyToAsync(destination, bufferSize, cancellationToken);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
