using Google.Protobuf;

namespace Inference.Grpc.Server;

/// <summary>
/// The response stream of a server-streaming or bidirectional call; each write is flushed. Writes after the
/// call ended (its deadline passed) throw instead of touching the finished response.
/// </summary>
internal sealed class ResponseStreamWriter<T>(ServerCallContext context) : IAsyncStreamWriter<T>
    where T : IMessage<T>
{
    private int _writing;

    public async ValueTask WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("A previous write has not completed.");
        }

        try
        {
            context.WriteMessage(message);
            await context.FlushAsync(cancellationToken.CanBeCanceled ? cancellationToken : context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
