using System.Runtime.CompilerServices;
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

    protected override ValueTask HandleCoreAsync(HttpContext http, ServerCallContext context)
    {
        // Fast path without async state machines: body already buffered, handler completes synchronously.
        if (!RequestMessageReader.TryReadSingle(http.Request.BodyReader, s_parser, context, out var request))
        {
            return ReadThenHandleAsync(http, context);
        }

        var pending = handler(request, context);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitHandlerAsync(pending, context);
        }

        context.EndWithMessage(pending.Result);
        return ValueTask.CompletedTask;
    }

    // Pooled, as are the reads below it: a request whose body arrives after its headers takes this path.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadThenHandleAsync(HttpContext http, ServerCallContext context)
    {
        var request = await RequestMessageReader.ReadSingleAsync(http.Request.BodyReader, s_parser, context).ConfigureAwait(false);
        context.EndWithMessage(await handler(request, context).ConfigureAwait(false));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitHandlerAsync(ValueTask<TResponse> pending, ServerCallContext context) =>
        context.EndWithMessage(await pending.ConfigureAwait(false));
}
