using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Inference.ModelServer.Memory;

/// <summary>
/// Kestrel's source of memory pools (it takes <see cref="IMemoryPoolFactory{T}"/> from the services): every pool it
/// creates is a <see cref="BlockPool"/> that <see cref="Trim"/> empties, so that the memory of a burst of large
/// messages goes back once the burst is over.
/// </summary>
internal sealed class BlockPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly Lock _lock = new();
    private readonly List<BlockPool> _pools = [];

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new BlockPool();
        lock (_lock)
        {
            _pools.Add(pool);
        }

        return pool;
    }

    /// <summary>Idle blocks over every pool.</summary>
    public long IdleBlocks
    {
        get
        {
            lock (_lock)
            {
                return _pools.Sum(p => (long)p.IdleBlocks);
            }
        }
    }

    public void Trim()
    {
        lock (_lock)
        {
            foreach (var pool in _pools)
            {
                pool.Trim();
            }
        }
    }
}
