namespace Inference.Router.Upstream;

internal static partial class UpstreamLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Endpoints of model '{Model}' version '{Version}': {Endpoints}")]
    public static partial void EndpointsChanged(ILogger logger, string model, string version, string endpoints);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Could not resolve '{Host}' for model '{Model}' version '{Version}', keeping its previous addresses: {Reason}")]
    public static partial void ResolveFailed(ILogger logger, string model, string version, string host, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} ({Authority}) is now {State}: {Reason}")]
    public static partial void HealthChanged(ILogger logger, string endpoint, string authority, string state, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} of model '{Model}' version '{Version}' ejected for {Seconds}s: {Reason}")]
    public static partial void Ejected(ILogger logger, string endpoint, string model, string version, double seconds, string reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Upstream maintenance failed")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 305, Level = LogLevel.Information, Message = "Endpoint {Endpoint} ({Authority}) does not implement grpc.health.v1.Health/Watch; its health comes from the periodic Check alone")]
    public static partial void WatchUnsupported(ILogger logger, string endpoint, string authority);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "Health Watch stream to {Endpoint} ended ({Reason}); reopening")]
    public static partial void WatchEnded(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 307, Level = LogLevel.Information, Message = "Endpoint {Endpoint} ({Authority}) did not answer its health Check: {Failures} of the {Needed} misses in a row that take it out")]
    public static partial void CheckMissed(ILogger logger, string endpoint, string authority, int failures, int needed);

    [LoggerMessage(EventId = 308, Level = LogLevel.Debug, Message = "Stopped watching the health of {Endpoint} ({Authority})")]
    public static partial void WatchStopped(ILogger logger, string endpoint, string authority);

    [LoggerMessage(EventId = 309, Level = LogLevel.Warning, Message = "No endpoint of model '{Model}' version '{Version}' is available: sending to passively ejected endpoints that pass their health checks (panic mode)")]
    public static partial void PanicEntered(ILogger logger, string model, string version);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Model '{Model}' version '{Version}' has available endpoints again: panic mode over")]
    public static partial void PanicLeft(ILogger logger, string model, string version);
}
