using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Inference.ModelServer.Model;

/// <summary>
/// The model file's bytes, read once into native memory: the SHA-256 is computed over exactly the bytes the
/// session is created from (opening the path a second time could read another file), and disposing returns the
/// memory at once instead of leaving a model-sized array to the garbage collector.
/// </summary>
internal sealed unsafe class ModelFile : IDisposable
{
    private const int UnknownLengthCapacity = 1 << 20;

    private byte* _data;
    private readonly int _length;

    private ModelFile(byte* data, int length)
    {
        _data = data;
        _length = length;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(Bytes));
    }

    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_data == null, this);
            return new ReadOnlySpan<byte>(_data, _length);
        }
    }

    /// <summary>SHA-256 of <see cref="Bytes"/>, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>Reads the whole file (a regular file, or a pipe of unknown length).</summary>
    public static ModelFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var known = stream.CanSeek ? stream.Length : 0;
        if (known > Array.MaxLength)
        {
            throw new IOException(
                $"'{path}' is {known} bytes; an ONNX file cannot exceed 2 GiB (larger models keep their weights in external data files).");
        }

        long capacity = known > 0 ? known : UnknownLengthCapacity;
        var data = (byte*)NativeMemory.Alloc((nuint)capacity);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == capacity)
                {
                    if (capacity >= Array.MaxLength)
                    {
                        throw new IOException($"'{path}' is larger than 2 GiB; an ONNX file cannot exceed that.");
                    }

                    capacity = Math.Min(capacity * 2, Array.MaxLength);
                    data = (byte*)NativeMemory.Realloc(data, (nuint)capacity);
                }

                var read = stream.Read(new Span<byte>(data + length, (int)(capacity - length)));
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return new ModelFile(data, length);
        }
        catch
        {
            NativeMemory.Free(data);
            throw;
        }
    }

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.Free(_data);
            _data = null;
        }
    }
}
