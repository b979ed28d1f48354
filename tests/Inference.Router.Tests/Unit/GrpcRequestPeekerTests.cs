using System.Buffers;
using System.Text;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Proxy;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.Unit;

public sealed class GrpcRequestPeekerTests
{
    private static byte[] Fields(params (int Field, object Value)[] fields)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var (field, value) in fields)
        {
            switch (value)
            {
                case string s:
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteString(s);
                    break;
                case byte[] b:
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(b));
                    break;
                case long l:
                    output.WriteTag(field, WireFormat.WireType.Varint);
                    output.WriteInt64(l);
                    break;
                case double d:
                    output.WriteTag(field, WireFormat.WireType.Fixed64);
                    output.WriteDouble(d);
                    break;
                case float f:
                    output.WriteTag(field, WireFormat.WireType.Fixed32);
                    output.WriteFloat(f);
                    break;
            }
        }

        output.Flush();
        return stream.ToArray();
    }

    private static (PeekStatus Status, string? Name, string? Version, string? Error) Peek(ReadOnlySequence<byte> buffer, bool completed)
    {
        var name = new byte[256];
        var version = new byte[256];
        var status = GrpcRequestPeeker.PeekFrame(buffer, completed, GrpcRequestPeeker.DefaultLimit, name, version, out var fields, out _);
        return (status,
            fields.NameLength < 0 ? null : Encoding.UTF8.GetString(name, 0, fields.NameLength),
            fields.VersionLength < 0 ? null : Encoding.UTF8.GetString(version, 0, fields.VersionLength),
            fields.Error);
    }

    private static (PeekStatus Status, string? Name, string? Version, string? Error) Peek(byte[] frame, bool completed = true) =>
        Peek(new ReadOnlySequence<byte>(frame), completed);

    [Fact]
    public void Peek_RealModelInferRequest_FindsNameAndVersion()
    {
        var request = new ModelInferRequest { ModelName = "iris", ModelVersion = "2", Id = "abc" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[16]));
        var result = Peek(GrpcTestClient.Frame(request));
        Assert.Equal((PeekStatus.Done, "iris", "2", null), result);
    }

    [Fact]
    public void Peek_MetadataAndReadyRequests_UseFieldsOneAndTwo()
    {
        Assert.Equal("iris", Peek(GrpcTestClient.Frame(new ModelMetadataRequest { Name = "iris" })).Name);
        Assert.Equal("7", Peek(GrpcTestClient.Frame(new ModelReadyRequest { Name = "iris", Version = "7" })).Version);
    }

    [Fact]
    public void Peek_FieldsInAnyOrder_FindsBoth()
    {
        var message = Fields((5, new byte[100]), (3, "id"), (9, 42L), (10, 1.5), (11, 2.5f), (2, "v9"), (4, new byte[3]), (1, "model-x"));
        Assert.Equal((PeekStatus.Done, "model-x", "v9", null), Peek(GrpcTestClient.Frame(message)));
    }

    [Fact]
    public void Peek_RepeatedField_LastValueWins()
    {
        var message = Fields((1, "first"), (1, "second"));
        Assert.Equal("second", Peek(GrpcTestClient.Frame(message)).Name);
    }

    [Fact]
    public void Peek_NoModelFields_DoneWithoutName()
    {
        var result = Peek(GrpcTestClient.Frame(Fields((3, "id"))));
        Assert.Equal(PeekStatus.Done, result.Status);
        Assert.Null(result.Name);
        Assert.Null(result.Version);
        Assert.Equal(PeekStatus.Done, Peek(GrpcTestClient.Frame([])).Status);
    }

    [Fact]
    public void Peek_EveryPrefixOfTheBody_NeedsMoreUntilTheFieldsArrive()
    {
        var frame = GrpcTestClient.Frame(Fields((3, "some-request-id"), (1, "iris"), (2, "2"), (7, new byte[200])));
        var decidedAt = -1;
        for (var length = 0; length <= frame.Length; length++)
        {
            var result = Peek(new ReadOnlySequence<byte>(frame, 0, length), completed: length == frame.Length);
            if (result.Status == PeekStatus.NeedMore)
            {
                Assert.Equal(-1, decidedAt);
                continue;
            }

            Assert.Equal((PeekStatus.Done, "iris", "2", null), result);
            if (decidedAt < 0)
            {
                decidedAt = length;
            }
        }

        // Decided once field 2 is complete, long before the 200-byte field has arrived.
        Assert.InRange(decidedAt, 1, frame.Length - 150);
    }

    [Fact]
    public void Peek_NameFollowedByLaterField_DoesNotWaitForTheVersion()
    {
        var frame = GrpcTestClient.Frame(Fields((1, "iris"), (7, new byte[1000])));
        var result = Peek(new ReadOnlySequence<byte>(frame, 0, 20), completed: false);
        Assert.Equal((PeekStatus.Done, "iris", null, null), result);
    }

    [Fact]
    public void Peek_SplitAcrossSegments_Works()
    {
        var frame = GrpcTestClient.Frame(Fields((2, "version-two"), (1, "a-model-name")));
        for (var split = 1; split < frame.Length; split++)
        {
            Assert.Equal((PeekStatus.Done, "a-model-name", "version-two", null), Peek(Segmented(frame, split), completed: true));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 11, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "malformed")]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF }, "ends inside a field tag")]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x0A, 0x05 }, "longer than the message")]
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x1B, 0x00 }, "wire type 3")]
    [InlineData(new byte[] { 7, 0, 0, 0, 0 }, "flag 7")]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 0x0A }, "ends inside a message")]
    [InlineData(new byte[] { 0, 0 }, "ends inside a message header")]
    [InlineData(new byte[0], "no message")]
    public void Peek_Garbage_IsInvalidWithReason(byte[] body, string reason)
    {
        var result = Peek(body);
        Assert.Equal(PeekStatus.Invalid, result.Status);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Peek_FieldOneOfAnotherWireType_IsSkippedAsAnUnknownField()
    {
        // As Google.Protobuf reads it: a field 1 that is not length-delimited is unknown, so the request names no model.
        var result = Peek(GrpcTestClient.Frame(Fields((1, 7L), (3, "id"), (2, "v2"))));
        Assert.Equal(PeekStatus.Done, result.Status);
        Assert.Null(result.Name);
        Assert.Equal("v2", result.Version);
    }

    [Fact]
    public void Peek_NameLongerThanLimit_IsNotAName()
    {
        var result = Peek(GrpcTestClient.Frame(Fields((1, new string('n', 300)))));
        Assert.Equal(PeekStatus.NotAName, result.Status);
        Assert.Contains("longer than 256", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Peek_CompressedFrame_IsReportedForTheCaller()
    {
        Assert.Equal(PeekStatus.Compressed, Peek(GrpcTestClient.Frame(Fields((1, "x")), compressed: true)).Status);
    }

    [Fact]
    public void Peek_NameBeyondTheExaminationLimit_IsNotSearchedFor()
    {
        var frame = GrpcTestClient.Frame(Fields((7, new byte[GrpcRequestPeeker.DefaultLimit + 10]), (1, "late")));
        var result = Peek(new ReadOnlySequence<byte>(frame, 0, 1000), completed: false);
        Assert.Equal(PeekStatus.Done, result.Status);
        Assert.Null(result.Name);
    }

    private static ReadOnlySequence<byte> Segmented(byte[] data, int split)
    {
        var first = new Segment(data.AsMemory(0, split));
        var last = first.Append(data.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
