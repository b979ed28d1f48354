using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

internal sealed class ServerStreamingServerCallHandler<TRequest, TResponse>(
    Func<TRequest, IAsyncStreamWriter<TResponse>, ServerCallContext, Task> handler,
    GrpcServerOptions options,
    TimeProvider timeProvider,
    ILogger logger) : ServerCallHandler(options, timeProvider, logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    private static readonly MessageParser<TRequest> s_parser = new(static () => new TRequest());

    protected override async ValueTask HandleCoreAsync(HttpContext http, ServerCallContext context)
    {
        var request = await RequestMessageReader.ReadSingleAsync(http.Request.BodyReader, s_parser, context).ConfigureAwait(false);
        await handler(request, new ResponseStreamWriter<TResponse>(context), context).ConfigureAwait(false);
        context.End(StatusCode.OK, detail: null);
    }
}
