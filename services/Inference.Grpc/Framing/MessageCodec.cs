using System.Buffers;
using Google.Protobuf;

namespace Inference.Grpc;

/// <summary>Message (de)serialization with the call's compression and size limits.</summary>
internal static class MessageCodec
{
    /// <summary>Parses a payload read by <see cref="GrpcFraming.TryReadMessage"/>.</summary>
    public static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload, bool compressed, bool gzipEncoding, int maxReceiveSize)
        where T : IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                return parser.ParseFrom(payload);
            }

            if (!gzipEncoding)
            {
                throw new GrpcException(StatusCode.Internal,
                    "A message had the compressed flag set but the call has no grpc-encoding.");
            }

            using var inflated = new PooledBufferWriter((int)Math.Min(payload.Length * 4, maxReceiveSize) + 1);
            GzipCompression.Decompress(payload, maxReceiveSize, inflated);
            return parser.ParseFrom(inflated.WrittenSpan);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcException(StatusCode.Internal, "Failed to deserialize the message.", ex);
        }
    }

    /// <summary>Frames a message; over <paramref name="maxSendSize"/> bytes is RESOURCE_EXHAUSTED.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, bool gzip, int maxSendSize)
    {
        var size = message.CalculateSize();
        if (size > maxSendSize)
        {
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"Sending message larger than max ({size} vs. {maxSendSize})");
        }

        if (!gzip)
        {
            GrpcFraming.WriteMessage(writer, message, size);
            return;
        }

        using var plain = new PooledBufferWriter(size);
        message.WriteTo(plain.GetSpan(size)[..size]);
        plain.Advance(size);
        using var packed = new PooledBufferWriter(size / 2 + 64);
        GzipCompression.Compress(plain.WrittenSpan, packed);
        GrpcFraming.WriteFrame(writer, packed.WrittenSpan, compressed: true);
    }

    /// <summary>Whether a <c>grpc-encoding</c> value names gzip; identity/absent is false.</summary>
    public static bool IsGzip(string? encoding) =>
        encoding is not null && string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this runtime can read a <c>grpc-encoding</c> value.</summary>
    public static bool IsSupportedEncoding(string? encoding) =>
        string.IsNullOrEmpty(encoding)
        || string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
        || IsGzip(encoding);
}
