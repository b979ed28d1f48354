using System.Buffers;
using System.Buffers.Binary;
using Inference.Router.Configuration;

namespace Inference.Router.Proxy;

/// <summary>
/// Reads fields 1 (model name) and 2 (model version) of the first gRPC message of a request
/// without consuming anything: the caller re-parses the buffered prefix after each read until the
/// answer is final. Both fields are strings (wire type 2) in ModelInferRequest, ModelMetadataRequest
/// and ModelReadyRequest. Fields may come in any order; a repeated field keeps its last value, as
/// protobuf parsers do; a field 1 or 2 of another wire type is skipped as protobuf parsers skip it (an unknown
/// field), so the request names no model, as the model server would read it. Only the first <c>limit</c> bytes of the message are examined, because the
/// body cannot be consumed and HTTP/2 flow control would stall a client whose window is full.
/// </summary>
internal static class GrpcRequestPeeker
{
    public const int DefaultLimit = 64 * 1024;
    public const int FrameHeaderLength = 5;

    /// <summary>Peeks the frame at the start of <paramref name="buffer"/>.</summary>
    public static PeekStatus PeekFrame(
        in ReadOnlySequence<byte> buffer,
        bool isCompleted,
        int limit,
        Span<byte> name,
        Span<byte> version,
        out PeekedFields fields,
        out long messageLength)
    {
        fields = PeekedFields.None;
        messageLength = 0;
        if (buffer.Length < FrameHeaderLength)
        {
            return isCompleted ? Fail(ref fields, buffer.Length == 0 ? "the request has no message" : "the request ends inside a message header") : PeekStatus.NeedMore;
        }

        Span<byte> header = stackalloc byte[FrameHeaderLength];
        buffer.Slice(0, FrameHeaderLength).CopyTo(header);
        messageLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        switch (header[0])
        {
            case 0:
                break;
            case 1:
                return PeekStatus.Compressed;
            default:
                return Fail(ref fields, $"invalid message flag {header[0]}");
        }

        var available = Math.Min(buffer.Length - FrameHeaderLength, messageLength);
        if (isCompleted && available < messageLength)
        {
            return Fail(ref fields, "the request ends inside a message");
        }

        return PeekMessage(buffer.Slice(FrameHeaderLength, available), messageLength, limit, name, version, ref fields);
    }

    /// <summary>
    /// Peeks a message of <paramref name="messageLength"/> bytes (long.MaxValue when unknown) of
    /// which <paramref name="data"/> is the available prefix.
    /// </summary>
    public static PeekStatus PeekMessage(
        in ReadOnlySequence<byte> data,
        long messageLength,
        int limit,
        Span<byte> name,
        Span<byte> version,
        ref PeekedFields fields)
    {
        var reader = new SequenceReader<byte>(data);
        var all = data.Length >= messageLength;
        while (true)
        {
            if (reader.Consumed >= messageLength || reader.Consumed >= limit)
            {
                return PeekStatus.Done;
            }

            if (reader.End)
            {
                // Between fields, at the end of what arrived so far.
                return all ? PeekStatus.Done : Blocked(ref fields, 0, reader.Consumed + 1);
            }

            switch (TryReadVarint(ref reader, out var tag))
            {
                case VarintResult.Incomplete:
                    return all ? Fail(ref fields, "the message ends inside a field tag") : Blocked(ref fields, 0, reader.Consumed + 10);
                case VarintResult.Malformed:
                    return Fail(ref fields, "malformed field tag");
            }

            var fieldNumber = tag >> 3;
            var wireType = (int)(tag & 7);
            if (fieldNumber == 0 || fieldNumber > 536_870_911)
            {
                return Fail(ref fields, "invalid field number 0");
            }

            long skip;
            switch (wireType)
            {
                case 0:
                    var start = reader.Consumed;
                    switch (TryReadVarint(ref reader, out _))
                    {
                        case VarintResult.Incomplete:
                            return all ? Fail(ref fields, "the message ends inside a varint") : Blocked(ref fields, fieldNumber, start + 10);
                        case VarintResult.Malformed:
                            return Fail(ref fields, "malformed varint");
                    }

                    continue;
                case 1:
                    skip = 8;
                    break;
                case 5:
                    skip = 4;
                    break;
                case 2:
                    switch (TryReadVarint(ref reader, out var length))
                    {
                        case VarintResult.Incomplete:
                            return all ? Fail(ref fields, "the message ends inside a field length") : Blocked(ref fields, fieldNumber, reader.Consumed + 10);
                        case VarintResult.Malformed:
                            return Fail(ref fields, "malformed field length");
                    }

                    if (length > (ulong)(messageLength - reader.Consumed))
                    {
                        return Fail(ref fields, $"field {fieldNumber} is longer than the message");
                    }

                    skip = (long)length;
                    if (fieldNumber is 1 or 2)
                    {
                        if (skip > WeightRules.MaxNameBytes)
                        {
                            fields.Error = $"the model {(fieldNumber == 1 ? "name" : "version")} is longer than {WeightRules.MaxNameBytes} bytes";
                            return PeekStatus.NotAName;
                        }

                        if (reader.Remaining < skip)
                        {
                            return Blocked(ref fields, fieldNumber, reader.Consumed + skip);
                        }

                        var target = fieldNumber == 1 ? name : version;
                        reader.TryCopyTo(target[..(int)skip]);
                        reader.Advance(skip);
                        if (fieldNumber == 1)
                        {
                            fields.NameLength = (int)skip;
                        }
                        else
                        {
                            fields.VersionLength = (int)skip;
                        }

                        continue;
                    }

                    break;
                default:
                    return Fail(ref fields, $"unsupported wire type {wireType} in field {fieldNumber}");
            }

            if (skip > messageLength - reader.Consumed)
            {
                return Fail(ref fields, $"field {fieldNumber} is longer than the message");
            }

            if (reader.Remaining < skip)
            {
                return all ? Fail(ref fields, "the message ends inside a field") : Blocked(ref fields, fieldNumber, reader.Consumed + skip);
            }

            reader.Advance(skip);
        }

        PeekStatus Blocked(ref PeekedFields fields, ulong fieldNumber, long neededEnd)
        {
            // Past the examination limit: what was found is the answer.
            if (neededEnd > limit)
            {
                return PeekStatus.Done;
            }

            // Serializers write fields in number order: once the name is known and a later field
            // is in the way, the version cannot follow.
            if (fields.NameLength >= 0 && fieldNumber > 2)
            {
                return PeekStatus.Done;
            }

            return PeekStatus.NeedMore;
        }
    }

    private static PeekStatus Fail(ref PeekedFields fields, string error)
    {
        fields.Error = error;
        return PeekStatus.Invalid;
    }

    private enum VarintResult
    {
        Ok,
        Incomplete,
        Malformed,
    }

    private static VarintResult TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        var start = reader.Consumed;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                reader.Rewind(reader.Consumed - start);
                return VarintResult.Incomplete;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return VarintResult.Ok;
            }
        }

        return VarintResult.Malformed;
    }
}
