namespace Inference.Router.Proxy;

/// <summary>
/// The client's request body as the forwarder reads it (it replaces <c>HttpRequest.Body</c> for the call; the
/// forwarder's own request content still does the copy). It records whether any byte was read, and holds the bytes
/// read so far, up to a limit, so that an attempt the upstream refused without processing it can be sent again from
/// the first byte. The held bytes are released once an upstream has answered.
/// </summary>
internal sealed class ReplayableBody : Stream
{
    /// <summary>Bodies up to this size can be sent again after a refusal; the peek window has the same size.</summary>
    public const int DefaultHoldLimit = 64 * 1024;

    private readonly CaptureBuffer _held = new(DefaultHoldLimit);
    private Stream _inner = Null;
    private int _position;
    private bool _holding;

    /// <summary>Whether the forwarder read (or tried to read) any byte of the body.</summary>
    public bool AnyRead { get; private set; }

    /// <summary>Whether every byte read so far is held, so <see cref="Rewind"/> can start the body over.</summary>
    public bool CanRewind => _holding && !_held.Overflowed;

    public void Attach(Stream inner, int limit = DefaultHoldLimit)
    {
        _inner = inner;
        _held.Reset(limit);
        _holding = true;
        _position = 0;
        AnyRead = false;
    }

    public void Detach()
    {
        Release();
        _inner = Null;
    }

    /// <summary>Stops holding: an upstream has answered, the body will not be sent again.</summary>
    public void Release()
    {
        _held.Dispose();
        _holding = false;
        _position = 0;
    }

    /// <summary>The next read starts at the first byte again: the held bytes, then the rest of the client's body.</summary>
    public void Rewind()
    {
        if (!CanRewind)
        {
            throw new InvalidOperationException("The body is no longer held.");
        }

        _position = 0;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        AnyRead = true;
        if (TryReadHeld(buffer, out var copied))
        {
            return copied;
        }

        var read = _inner.Read(buffer);
        Hold(buffer[..read]);
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        AnyRead = true;
        if (TryReadHeld(buffer.Span, out var copied))
        {
            return new ValueTask<int>(copied);
        }

        var reading = _inner.ReadAsync(buffer, cancellationToken);
        if (reading.IsCompletedSuccessfully)
        {
            var read = reading.Result;
            Hold(buffer.Span[..read]);
            return new ValueTask<int>(read);
        }

        return AwaitAndHold(reading, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async ValueTask<int> AwaitAndHold(ValueTask<int> reading, Memory<byte> buffer)
    {
        var read = await reading;
        Hold(buffer.Span[..read]);
        return read;
    }

    private bool TryReadHeld(Span<byte> buffer, out int copied)
    {
        var held = _held.Memory.Span;
        copied = Math.Min(buffer.Length, held.Length - _position);
        if (copied <= 0)
        {
            copied = 0;
            return false;
        }

        held.Slice(_position, copied).CopyTo(buffer);
        _position += copied;
        return true;
    }

    private void Hold(ReadOnlySpan<byte> read)
    {
        // A zero-byte read (the forwarder's wait for data) must not move past held bytes after a rewind.
        if (!CanRewind || read.IsEmpty)
        {
            return;
        }

        // Too large to hold, the buffer gives its bytes back: this body can no longer be sent again.
        _held.Append(read);
        _position = _held.Memory.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
