using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Inference.Grpc.Server;

/// <summary>The response stream of a server-streaming or bidirectional call; each write is flushed.</summary>
internal sealed class ResponseStreamWriter<T>(HttpContext http, ServerCallContext context) : IAsyncStreamWriter<T>
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
            context.ApplyResponseEncoding();
            var writer = http.Response.BodyWriter;
            MessageCodec.Write(writer, message, context.ResponseGzip, context.Options.MaxSendMessageSize);
            context.MessageWritten = true;
            var token = cancellationToken.CanBeCanceled ? cancellationToken : context.CancellationToken;
            await writer.FlushAsync(token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
