using System.Runtime;
using Inference.ModelServer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Memory;

/// <summary>
/// Bounds the bytes of request messages in flight (from the moment a message's length is known until its call has
/// ended, response written): a request that would take the total beyond <see cref="Limit"/> is refused before its
/// body is read. Every <see cref="TrimThreshold"/> bytes of requests released, a background collection frees their
/// buffers (large objects the GC would otherwise let pile up while it has memory to spare), so that the next requests
/// reuse that memory rather than add to it. After a burst of requests (at least <see cref="TrimThreshold"/> bytes released) and then a quiet
/// period (less than <see cref="QuietBytes"/> of requests arriving for <see cref="QuietPeriod"/>), the memory of the
/// burst goes back to the operating system: Kestrel's idle blocks are dropped and one compacting collection returns
/// the free heap. Without it the GC keeps that memory until its next full collection, which an idle server never has.
/// </summary>
internal sealed class MemoryBudget : IDisposable
{
    /// <summary>Bytes of requests released since the last trim that make a burst worth trimming after.</summary>
    public const long TrimThreshold = 32L * 1024 * 1024;

    /// <summary>Below this, requests in flight or arriving do not keep a burst going.</summary>
    public const long QuietBytes = 1024 * 1024;

    /// <summary>How long requests must stay below <see cref="QuietBytes"/> before the memory of a burst is returned.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    private readonly BlockPoolFactory? _pools;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private long _inFlight;
    private long _reserved;
    private long _reservedWhenScheduled;
    private long _releasedSinceTrim;
    private long _releasedSinceCollection;
    private int _trimScheduled;
    private long _trims;
    private long _collections;

    /// <param name="pools">Kestrel's memory pools, emptied by a trim; null for none.</param>
    public MemoryBudget(long limit, BlockPoolFactory? pools, TimeProvider time, ILogger<MemoryBudget> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _pools = pools;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((MemoryBudget)state!).OnQuiet(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Most bytes of request messages in flight at once.</summary>
    public long Limit { get; }

    /// <summary>Bytes of request messages in flight now.</summary>
    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Background collections made for the buffers of released requests.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>Times the memory of a burst was returned.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>
    /// The budget a server gets by default: a quarter of the memory the GC may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>:
    /// the heap hard limit when one is set, otherwise the container's memory limit or the machine's memory). A request
    /// message costs up to twice its size in the heap while it is read and decoded, and its response needs room too.
    /// </summary>
    public static long DefaultLimit(long availableMemory) => Math.Max(1, availableMemory / 4);

    /// <summary>Takes <paramref name="bytes"/> of the budget; false (nothing taken) when they do not fit.</summary>
    public bool TryReserve(long bytes)
    {
        var current = Volatile.Read(ref _inFlight);
        while (true)
        {
            if (bytes > Limit - current)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _inFlight, current + bytes, current);
            if (seen == current)
            {
                Interlocked.Add(ref _reserved, bytes);
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Gives back what <see cref="TryReserve"/> took.</summary>
    public void Release(long bytes)
    {
        var left = Interlocked.Add(ref _inFlight, -bytes);
        var sinceCollection = Interlocked.Add(ref _releasedSinceCollection, bytes);
        if (sinceCollection >= TrimThreshold && Interlocked.CompareExchange(ref _releasedSinceCollection, 0, sinceCollection) == sinceCollection)
        {
            // Concurrent with the requests being served; it only frees, the quiet trim below also compacts.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
            Interlocked.Increment(ref _collections);
        }

        if (Interlocked.Add(ref _releasedSinceTrim, bytes) >= TrimThreshold && left < QuietBytes && Interlocked.Exchange(ref _trimScheduled, 1) == 0)
        {
            Volatile.Write(ref _reservedWhenScheduled, Interlocked.Read(ref _reserved));
            _timer.Change(QuietPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void OnQuiet()
    {
        Volatile.Write(ref _trimScheduled, 0);
        // Large requests arrived meanwhile: the burst goes on (the next release that empties the budget schedules again).
        if (Interlocked.Read(ref _reserved) - Volatile.Read(ref _reservedWhenScheduled) >= QuietBytes || InFlight >= QuietBytes)
        {
            return;
        }

        var released = Interlocked.Exchange(ref _releasedSinceTrim, 0);
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _pools?.Trim();
        NativeHeap.Trim();
        // Compacts every generation, the large object heap included, and decommits what is free.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Increment(ref _trims);
        ModelServerLog.MemoryTrimmed(_logger, released, before, GC.GetGCMemoryInfo().TotalCommittedBytes);
    }
}
