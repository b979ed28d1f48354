namespace Inference.Router.Hosting;

internal static partial class HostLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Now listening: grpc={GrpcUrl} admin={AdminUrl}")]
    public static partial void Listening(ILogger logger, string grpcUrl, string adminUrl);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "No admin token configured (ROUTER_ADMIN_TOKEN or --admin-token-file): the admin port listens on 127.0.0.1 only")]
    public static partial void AdminLoopbackOnly(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Shutting down: not ready, draining requests in flight")]
    public static partial void Draining(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Still accepting calls for the drain delay of {Milliseconds} ms while /readyz reports 503")]
    public static partial void DrainDelay(ILogger logger, double milliseconds);
}
