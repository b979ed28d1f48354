using System.Runtime.InteropServices;

namespace Inference.ModelServer.Memory;

/// <summary>
/// The C library's heap, where ONNX Runtime allocates the tensors of every Run (its own arena is off). glibc's malloc
/// raises its mmap threshold after every large block it frees, up to 32 MiB, so that after a few large Runs their
/// outputs are carved from heaps that keep the pages when freed, one heap per thread that ran them: a server that
/// served a burst of large requests would keep hundreds of MiB it no longer uses. A fixed threshold keeps blocks of
/// <see cref="MmapThreshold"/> and more in their own mappings, returned the moment they are freed; smaller blocks (the
/// many small tensors of ordinary Runs) stay on the heaps, reused without a system call. Nothing happens where the C
/// library is not glibc.
/// </summary>
internal static partial class NativeHeap
{
    public const int MmapThreshold = 1024 * 1024;

    // mallopt parameter numbers of glibc's malloc.h.
    private const int MallocMmapThreshold = -3;

    /// <summary>Fixes the mmap threshold; false where that is not possible (not glibc).</summary>
    public static bool KeepLargeBlocksApart()
    {
        try
        {
            return OperatingSystem.IsLinux() && Mallopt(MallocMmapThreshold, MmapThreshold) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Gives the free pages of every heap back to the operating system (after a burst).</summary>
    public static void Trim()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                _ = MallocTrim(0);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
