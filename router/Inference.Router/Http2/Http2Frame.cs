using System.Buffers.Binary;

namespace Inference.Router.Http2;

/// <summary>The 9-byte frame header (RFC 9113, 4.1): reading and writing.</summary>
internal readonly record struct Http2Frame(int Length, Http2FrameType Type, byte Flags, int StreamId)
{
    public const int HeaderLength = 9;

    /// <summary>The client connection preface (RFC 9113, 3.4).</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public bool Has(byte flag) => (Flags & flag) != 0;

    public static Http2Frame Read(ReadOnlySpan<byte> header) => new(
        (header[0] << 16) | (header[1] << 8) | header[2],
        (Http2FrameType)header[3],
        header[4],
        (int)(BinaryPrimitives.ReadUInt32BigEndian(header[5..]) & 0x7FFFFFFF));

    public static void Write(Span<byte> destination, int length, Http2FrameType type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = (byte)type;
        destination[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)streamId & 0x7FFFFFFF);
    }
}
