using System.IO.Pipelines;
using Google.Protobuf;

namespace Inference.Grpc.Server;

/// <summary>The request stream of a client-streaming or bidirectional call.</summary>
internal sealed class RequestStreamReader<T>(PipeReader reader, MessageParser<T> parser, ServerCallContext context) : IAsyncStreamReader<T>
    where T : IMessage<T>
{
    private T? _current;
    private bool _completed;

    public T Current => _current ?? throw new InvalidOperationException("No current message; call MoveNextAsync first.");

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return false;
        }

        var maxSize = context.Options.MaxReceiveMessageSize;
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken)
            : null;
        var token = linked?.Token ?? context.CancellationToken;
        while (true)
        {
            var result = await context.ReadAsync(reader, token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (GrpcFraming.TryReadMessage(ref buffer, maxSize, out var payload, out var compressed))
                {
                    _current = MessageCodec.Parse(parser, payload, compressed, context.RequestGzip, maxSize);
                    return true;
                }

                if (result.IsCompleted)
                {
                    _completed = true;
                    if (!buffer.IsEmpty)
                    {
                        throw new GrpcException(StatusCode.Internal, "The request ended in the middle of a message.");
                    }

                    return false;
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }
}
