namespace Inference.Engine.Model;

/// <summary>
/// Reads a model file once: the SHA-256 is computed over exactly the bytes the session is created from (opening
/// the path a second time could read another file). Regular files and pipes of unknown length.
/// </summary>
internal static class ModelBytes
{
    public static byte[] Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        if (stream.CanSeek)
        {
            if (stream.Length > Array.MaxLength)
            {
                throw new IOException(
                    $"'{path}' is {stream.Length} bytes; an ONNX file cannot exceed 2 GiB (larger models keep their weights in external data files).");
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
