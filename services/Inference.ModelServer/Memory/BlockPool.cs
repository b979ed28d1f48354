using System.Buffers;
using System.Collections.Concurrent;

namespace Inference.ModelServer.Memory;

/// <summary>
/// The blocks Kestrel reads requests into and writes responses from: pinned 4 KiB arrays, reused while the server is
/// busy, like Kestrel's own pool; unlike it, <see cref="Trim"/> drops every idle block at once (Kestrel's own pool gives
/// back 5% of its idle blocks every 10 s, so the blocks of a burst of large messages would stay for many minutes).
/// </summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _idle = new();
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Idle blocks held for reuse.</summary>
    public int IdleBlocks => _idle.Count;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryDequeue(out var block) ? block : new Block(this);
    }

    /// <summary>Drops the idle blocks (the GC takes them back at its next full collection).</summary>
    public void Trim()
    {
        while (_idle.TryDequeue(out _))
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        Trim();
    }

    private void Return(Block block)
    {
        if (!_disposed)
        {
            _idle.Enqueue(block);
        }
    }

    private sealed class Block(BlockPool pool) : IMemoryOwner<byte>
    {
        // Pinned once for its whole life: socket I/O into it needs no pinning per operation.
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public Memory<byte> Memory => _array;

        public void Dispose() => pool.Return(this);
    }
}
