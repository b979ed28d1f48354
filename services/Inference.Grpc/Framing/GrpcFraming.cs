using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Inference.Grpc;

/// <summary>
/// gRPC length-prefixed messages: a 5-byte header (compressed flag, big-endian uint32 length)
/// followed by the message bytes.
/// </summary>
public static class GrpcFraming
{
    public const int HeaderSize = 5;

    // Below this total size a message is written into one span (one block of a Kestrel pipe).
    private const int SingleSpanLimit = 4096;

    /// <summary>
    /// Takes one complete message off the front of <paramref name="buffer"/>. Returns false when
    /// more bytes are needed. A declared length over <paramref name="maxMessageSize"/> is
    /// RESOURCE_EXHAUSTED as soon as the header is seen; a flag other than 0/1 is INTERNAL.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload, out bool compressed)
    {
        if (!TryReadHeader(buffer, out compressed, out var length))
        {
            payload = default;
            return false;
        }

        if (length > (uint)maxMessageSize)
        {
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"Received message larger than max ({length} vs. {maxMessageSize})");
        }

        if (buffer.Length - HeaderSize < length)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Reads the 5-byte header if present; throws INTERNAL for an invalid flag byte.</summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out bool compressed, out uint length)
    {
        if (buffer.Length < HeaderSize)
        {
            compressed = false;
            length = 0;
            return false;
        }

        Span<byte> copy = stackalloc byte[HeaderSize];
        scoped ReadOnlySpan<byte> header;
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderSize)
        {
            header = first;
        }
        else
        {
            buffer.Slice(0, HeaderSize).CopyTo(copy);
            header = copy;
        }

        var flag = header[0];
        if (flag > 1)
        {
            throw new GrpcException(StatusCode.Internal, $"Invalid compressed flag {flag} in a message header.");
        }

        compressed = flag == 1;
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Writes an uncompressed framed message; the protobuf is serialized straight into the writer.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        WriteMessage(writer, message, message.CalculateSize());
    }

    internal static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int size)
    {
        var total = HeaderSize + size;
        if (total <= SingleSpanLimit)
        {
            var span = writer.GetSpan(total);
            WriteHeader(span, compressed: false, size);
            message.WriteTo(span.Slice(HeaderSize, size));
            writer.Advance(total);
            return;
        }

        WriteHeader(writer.GetSpan(HeaderSize), compressed: false, size);
        writer.Advance(HeaderSize);
        message.WriteTo(writer);
    }

    /// <summary>Writes a framed message whose body is already serialized (and maybe compressed).</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, ReadOnlySpan<byte> body, bool compressed)
    {
        WriteHeader(writer.GetSpan(HeaderSize), compressed, body.Length);
        writer.Advance(HeaderSize);
        writer.Write(body);
    }
}
