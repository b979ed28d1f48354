using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

internal sealed class ClientStreamingServerCallHandler<TRequest, TResponse>(
    Func<IAsyncStreamReader<TRequest>, ServerCallContext, ValueTask<TResponse>> handler,
    GrpcServerOptions options,
    TimeProvider timeProvider,
    ILogger logger) : ServerCallHandler(options, timeProvider, logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    private static readonly MessageParser<TRequest> s_parser = new(static () => new TRequest());

    protected override async ValueTask HandleCoreAsync(HttpContext http, ServerCallContext context)
    {
        var reader = new RequestStreamReader<TRequest>(http.Request.BodyReader, s_parser, context);
        context.EndWithMessage(await handler(reader, context).ConfigureAwait(false));
    }
}
