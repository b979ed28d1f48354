using System.Buffers;
using System.IO.Compression;

namespace Inference.Grpc;

/// <summary>gzip message compression (<c>grpc-encoding: gzip</c>).</summary>
internal static class GzipCompression
{
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        using var gzip = new GZipStream(new BufferWriterStream(output), CompressionLevel.Fastest, leaveOpen: false);
        gzip.Write(input);
    }

    /// <summary>Inflates into <paramref name="output"/>; more than <paramref name="maxLength"/> bytes is RESOURCE_EXHAUSTED.</summary>
    public static void Decompress(in ReadOnlySequence<byte> input, int maxLength, PooledBufferWriter output)
    {
        try
        {
            using var gzip = new GZipStream(new SequenceReadStream(input), CompressionMode.Decompress);
            while (true)
            {
                var span = output.GetSpan(Math.Min(16 * 1024, maxLength - output.WrittenCount + 1));
                var read = gzip.Read(span);
                if (read == 0)
                {
                    return;
                }

                output.Advance(read);
                if (output.WrittenCount > maxLength)
                {
                    throw new GrpcException(StatusCode.ResourceExhausted,
                        $"Received decompressed message larger than max ({maxLength} bytes).");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new GrpcException(StatusCode.Internal, "Failed to decompress a gzip message.", ex);
        }
    }
}
