namespace Inference.Router.Hosting;

/// <summary>
/// Reads a whole file only when it is within a size limit: the configuration and state files are small, and a huge
/// one (a mistake, or an attack on a writable volume) must be refused before it is in memory.
/// </summary>
internal static class BoundedFile
{
    /// <summary>The file's bytes; <see cref="InvalidDataException"/> when it holds more than <paramref name="maxBytes"/>.</summary>
    public static byte[] Read(string path, long maxBytes, string limitName)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        Check(stream.Length, maxBytes, limitName);
        var bytes = new byte[stream.Length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = stream.Read(bytes, read, bytes.Length - read);
            if (n == 0)
            {
                return bytes[..read];
            }

            read += n;
        }

        // A file that grew after its length was read is judged by what it holds now.
        Check(read + (stream.ReadByte() < 0 ? 0 : 1), maxBytes, limitName);
        return bytes;
    }

    private static void Check(long length, long maxBytes, string limitName)
    {
        if (length > maxBytes)
        {
            throw new InvalidDataException($"the file is larger than the limit of {maxBytes} bytes ({limitName})");
        }
    }
}
