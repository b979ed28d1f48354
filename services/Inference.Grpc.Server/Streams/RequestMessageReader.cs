using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace Inference.Grpc.Server;

/// <summary>Reads request messages straight from the request body pipe (no copy for uncompressed messages).</summary>
internal static class RequestMessageReader
{
    /// <summary>
    /// The common case without awaiting: the whole request body (one message, END_STREAM) is
    /// already buffered. False when more must be read; nothing is consumed then.
    /// </summary>
    public static bool TryReadSingle<T>(PipeReader reader, MessageParser<T> parser, ServerCallContext context, out T message)
        where T : IMessage<T>
    {
        message = default!;
        if (!context.TryRead(reader, out var result))
        {
            return false;
        }

        var buffer = result.Buffer;
        if (!result.IsCompleted)
        {
            reader.AdvanceTo(buffer.Start);
            return false;
        }

        try
        {
            var maxSize = context.Options.MaxReceiveMessageSize;
            if (!GrpcFraming.TryReadMessage(ref buffer, maxSize, out var payload, out var compressed))
            {
                throw new GrpcException(StatusCode.Internal, buffer.IsEmpty
                    ? "The request did not contain a message."
                    : "The request ended in the middle of a message.");
            }

            message = MessageCodec.Parse(parser, payload, compressed, context.RequestGzip, maxSize);
            if (!buffer.IsEmpty)
            {
                throw new GrpcException(StatusCode.Internal, "Additional data after the request message of a unary call.");
            }

            return true;
        }
        finally
        {
            reader.AdvanceTo(buffer.End);
        }
    }

    /// <summary>Reads the one message of a unary or server-streaming request and checks the body ends there.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<T> ReadSingleAsync<T>(PipeReader reader, MessageParser<T> parser, ServerCallContext context)
        where T : IMessage<T>
    {
        var token = context.Deadline == DateTime.MaxValue ? default : context.CancellationToken;
        var maxSize = context.Options.MaxReceiveMessageSize;
        T? message = default;
        var haveMessage = false;
        while (true)
        {
            var result = await context.ReadAsync(reader, token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (!haveMessage && GrpcFraming.TryReadMessage(ref buffer, maxSize, out var payload, out var compressed))
                {
                    message = MessageCodec.Parse(parser, payload, compressed, context.RequestGzip, maxSize);
                    haveMessage = true;
                }

                if (haveMessage && !buffer.IsEmpty)
                {
                    throw new GrpcException(StatusCode.Internal, "Additional data after the request message of a unary call.");
                }

                if (result.IsCompleted)
                {
                    if (!haveMessage)
                    {
                        throw new GrpcException(StatusCode.Internal, buffer.IsEmpty
                            ? "The request did not contain a message."
                            : "The request ended in the middle of a message.");
                    }

                    return message!;
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }
}
