using System.Buffers;

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

    private Stream _inner = Null;
    private byte[]? _held;
    private int _heldLength;
    private int _position;
    private int _limit;
    private bool _holding;

    /// <summary>Whether the forwarder read (or tried to read) any byte of the body.</summary>
    public bool AnyRead { get; private set; }

    /// <summary>Whether every byte read so far is held, so <see cref="Rewind"/> can start the body over.</summary>
    public bool CanRewind => _holding;

    public void Attach(Stream inner, int limit = DefaultHoldLimit)
    {
        _inner = inner;
        _limit = limit;
        _holding = true;
        _heldLength = 0;
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
        if (_held is { } held)
        {
            _held = null;
            ArrayPool<byte>.Shared.Return(held);
        }

        _holding = false;
        _heldLength = 0;
        _position = 0;
    }

    /// <summary>The next read starts at the first byte again: the held bytes, then the rest of the client's body.</summary>
    public void Rewind()
    {
        if (!_holding)
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
        copied = Math.Min(buffer.Length, _heldLength - _position);
        if (copied <= 0 || _held is null)
        {
            copied = 0;
            return false;
        }

        _held.AsSpan(_position, copied).CopyTo(buffer);
        _position += copied;
        return true;
    }

    private void Hold(ReadOnlySpan<byte> read)
    {
        if (!_holding || read.IsEmpty)
        {
            return;
        }

        var length = _heldLength + read.Length;
        if (length > _limit)
        {
            // Too large to hold: this body can no longer be sent again.
            Release();
            return;
        }

        if (_held is null || _held.Length < length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(_limit, Math.Max(length, _heldLength * 2)));
            if (_held is { } previous)
            {
                previous.AsSpan(0, _heldLength).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(previous);
            }

            _held = grown;
        }

        read.CopyTo(_held.AsSpan(_heldLength));
        _heldLength = length;
        _position = length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
