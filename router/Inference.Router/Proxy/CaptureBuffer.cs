using System.Buffers;

namespace Inference.Router.Proxy;

/// <summary>
/// A pooled copy of bytes that pass through a call (a request body held for a retry, either side of a call copied to a
/// shadow), up to a limit. Beyond the limit it keeps nothing and says so.
/// </summary>
internal sealed class CaptureBuffer(int limit) : IDisposable
{
    private int _limit = limit;
    private byte[]? _buffer;
    private int _length;

    public bool Overflowed { get; private set; }

    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _length);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Overflowed || data.IsEmpty)
        {
            return;
        }

        var length = _length + data.Length;
        if (length > _limit)
        {
            Overflowed = true;
            Dispose();
            return;
        }

        if (_buffer is null || _buffer.Length < length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(_limit, Math.Max(length, _length * 2)));
            if (_buffer is { } previous)
            {
                previous.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(previous);
            }

            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length = length;
    }

    /// <summary>Empty again, under a new limit: the buffer is returned to the pool and nothing has overflowed.</summary>
    public void Reset(int limit)
    {
        Dispose();
        _limit = limit;
        Overflowed = false;
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
