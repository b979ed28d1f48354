using System.Runtime.InteropServices;

namespace Inference.Batch.Output;

/// <summary>Durable file operations: a commit is on disk before the checkpoint that names it.</summary>
internal static partial class DurableFile
{
    /// <summary>Writes <paramref name="contents"/> to a temporary file beside <paramref name="path"/>, flushes it to disk, renames it over <paramref name="path"/> and flushes the directory.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(contents);
            file.Flush(flushToDisk: true);
        }

        Rename(temporary, path);
    }

    /// <summary>Renames (atomically replacing) and flushes the directory entry.</summary>
    public static void Rename(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
    }

    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var descriptor = Open(directory, 0);
        if (descriptor < 0)
        {
            return;
        }

        try
        {
            _ = Sync(descriptor);
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Sync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
