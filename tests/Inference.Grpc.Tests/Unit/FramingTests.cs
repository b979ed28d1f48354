using System.Buffers;
using Google.Protobuf;
using Inference.Grpc.Tests.Echo;

namespace Inference.Grpc.Tests.Unit;

public sealed class FramingTests
{
    [Fact]
    public void TryReadMessage_HeaderAndPayloadSplitAcrossSegments_ReturnsWholeMessage()
    {
        var message = new EchoRequest { Message = "split", Payload = ByteString.CopyFrom(1, 2, 3) };
        var framed = Frame(message);
        // One segment per byte: the header itself is split, as is the payload.
        var sequence = Segments.Split(framed, Enumerable.Repeat(1, framed.Length).ToArray());
        Assert.False(sequence.IsSingleSegment);

        Assert.True(GrpcFraming.TryReadMessage(ref sequence, 1024, out var payload, out var compressed));

        Assert.False(compressed);
        Assert.Equal(message, EchoRequest.Parser.ParseFrom(payload));
        Assert.True(sequence.IsEmpty);
    }

    [Fact]
    public void TryReadMessage_TwoMessagesInOneBuffer_ReadsThemInOrder()
    {
        var first = Frame(new EchoRequest { Message = "one" });
        var second = Frame(new EchoRequest { Message = "two" });
        var sequence = new ReadOnlySequence<byte>([.. first, .. second]);

        Assert.True(GrpcFraming.TryReadMessage(ref sequence, 1024, out var p1, out _));
        Assert.Equal("one", EchoRequest.Parser.ParseFrom(p1).Message);
        Assert.True(GrpcFraming.TryReadMessage(ref sequence, 1024, out var p2, out _));
        Assert.Equal("two", EchoRequest.Parser.ParseFrom(p2).Message);
        Assert.False(GrpcFraming.TryReadMessage(ref sequence, 1024, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(9)]
    public void TryReadMessage_Incomplete_ReturnsFalseAndLeavesBuffer(int available)
    {
        var framed = Frame(new EchoRequest { Message = "incomplete" });
        var sequence = new ReadOnlySequence<byte>(framed, 0, available);

        Assert.False(GrpcFraming.TryReadMessage(ref sequence, 1024, out _, out _));
        Assert.Equal(available, sequence.Length);
    }

    [Fact]
    public void TryReadMessage_DeclaredLengthOverLimit_IsResourceExhaustedBeforePayloadArrives()
    {
        var header = new byte[5];
        GrpcFraming.WriteHeader(header, compressed: false, 101);
        var sequence = new ReadOnlySequence<byte>(header);

        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref sequence, 100, out _, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void TryReadMessage_LengthAtLimit_IsAccepted()
    {
        var framed = new byte[5 + 100];
        GrpcFraming.WriteHeader(framed, compressed: false, 100);
        var sequence = new ReadOnlySequence<byte>(framed);

        Assert.True(GrpcFraming.TryReadMessage(ref sequence, 100, out var payload, out _));
        Assert.Equal(100, payload.Length);
    }

    [Fact]
    public void TryReadMessage_InvalidFlag_IsInternal()
    {
        var framed = new byte[] { 2, 0, 0, 0, 0 };
        var sequence = new ReadOnlySequence<byte>(framed);

        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref sequence, 100, out _, out _));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void WriteHeader_IsFlagThenBigEndianLength()
    {
        var header = new byte[5];
        GrpcFraming.WriteHeader(header, compressed: true, 0x01020304);
        Assert.Equal(new byte[] { 1, 1, 2, 3, 4 }, header);
    }

    [Fact]
    public void WriteMessage_LargeMessage_SpansSeveralBuffersAndRoundTrips()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray()) };
        var writer = new ArrayBufferWriter<byte>(16);

        GrpcFraming.WriteMessage(writer, message);

        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(GrpcFraming.TryReadMessage(ref sequence, int.MaxValue, out var payload, out _));
        Assert.Equal(message, EchoRequest.Parser.ParseFrom(payload));
    }

    [Fact]
    public void Gzip_WriteAndParse_RoundTripsAndSetsFlag()
    {
        var message = new EchoRequest { Message = new string('z', 10_000) };
        var writer = new ArrayBufferWriter<byte>();

        MessageCodec.Write(writer, message, gzip: true, int.MaxValue);

        Assert.Equal(1, writer.WrittenSpan[0]);
        Assert.True(writer.WrittenCount < 1000, "10 kB of one letter should compress well");
        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(GrpcFraming.TryReadMessage(ref sequence, int.MaxValue, out var payload, out var compressed));
        Assert.True(compressed);
        Assert.Equal(message, MessageCodec.Parse(EchoRequest.Parser, payload, compressed, gzipEncoding: true, int.MaxValue));
    }

    [Fact]
    public void Gzip_DecompressedSizeOverLimit_IsResourceExhausted()
    {
        var message = new EchoRequest { Message = new string('z', 10_000) };
        var writer = new ArrayBufferWriter<byte>();
        MessageCodec.Write(writer, message, gzip: true, int.MaxValue);
        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(GrpcFraming.TryReadMessage(ref sequence, 5000, out var payload, out var compressed));

        var ex = Assert.Throws<GrpcException>(() => MessageCodec.Parse(EchoRequest.Parser, payload, compressed, gzipEncoding: true, 5000));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void Parse_CompressedFlagWithoutEncoding_IsInternal()
    {
        var payload = new ReadOnlySequence<byte>([1, 2, 3]);
        var ex = Assert.Throws<GrpcException>(() => MessageCodec.Parse(EchoRequest.Parser, payload, compressed: true, gzipEncoding: false, 100));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void Write_OverMaxSendSize_IsResourceExhausted()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[200]) };
        var ex = Assert.Throws<GrpcException>(() => MessageCodec.Write(new ArrayBufferWriter<byte>(), message, gzip: false, 100));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    private static byte[] Frame(IMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(writer, message);
        return writer.WrittenSpan.ToArray();
    }
}
