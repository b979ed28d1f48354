using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

internal sealed class UnaryServerCallHandler<TRequest, TResponse>(
    Func<TRequest, ServerCallContext, ValueTask<TResponse>> handler,
    GrpcServerOptions options,
    TimeProvider timeProvider,
    ILogger logger) : ServerCallHandler(options, timeProvider, logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    private static readonly MessageParser<TRequest> s_parser = new(static () => new TRequest());

    protected override Task HandleCoreAsync(HttpContext http, ServerCallContext context)
    {
        // Fast path without async state machines: body already buffered, handler completes synchronously.
        if (!RequestMessageReader.TryReadSingle(http.Request.BodyReader, s_parser, context, out var request))
        {
            return ReadThenHandleAsync(http, context);
        }

        var pending = handler(request, context);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitHandlerAsync(pending, http, context);
        }

        WriteResponse(http, context, pending.Result);
        return Task.CompletedTask;
    }

    private async Task ReadThenHandleAsync(HttpContext http, ServerCallContext context)
    {
        var request = await RequestMessageReader.ReadSingleAsync(http.Request.BodyReader, s_parser, context).ConfigureAwait(false);
        WriteResponse(http, context, await handler(request, context).ConfigureAwait(false));
    }

    private async Task AwaitHandlerAsync(ValueTask<TResponse> pending, HttpContext http, ServerCallContext context) =>
        WriteResponse(http, context, await pending.ConfigureAwait(false));

    private void WriteResponse(HttpContext http, ServerCallContext context, TResponse response)
    {
        if (context.DeadlineExceeded)
        {
            throw new OperationCanceledException(context.CancellationToken);
        }

        context.ApplyResponseEncoding();
        // Headers, message and trailers leave together when the request delegate returns: no flush here.
        MessageCodec.Write(http.Response.BodyWriter, response, context.ResponseGzip, Options.MaxSendMessageSize);
        context.MessageWritten = true;
        WriteOk(context);
    }
}
