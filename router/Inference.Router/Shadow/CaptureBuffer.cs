using System.Buffers;

namespace Inference.Router.Shadow;

/// <summary>
/// A pooled copy of the bytes that pass through one side of a sampled call, up to a limit. Beyond the limit it keeps
/// nothing and says so: such a call is not copied.
/// </summary>
internal sealed class CaptureBuffer(int limit) : IDisposable
{
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
        if (length > limit)
        {
            Overflowed = true;
            Dispose();
            return;
        }

        if (_buffer is null || _buffer.Length < length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(length, _length * 2)));
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
