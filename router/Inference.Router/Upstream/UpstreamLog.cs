using Microsoft.Extensions.Logging;

namespace Inference.Router.Upstream;

internal static partial class UpstreamLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Endpoints of model '{Model}' version '{Version}': {Endpoints}")]
    public static partial void EndpointsChanged(ILogger logger, string model, string version, string endpoints);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Could not resolve '{Host}' for model '{Model}' version '{Version}', keeping its previous addresses: {Reason}")]
    public static partial void ResolveFailed(ILogger logger, string model, string version, string host, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} ({Authority}) is now {State}")]
    public static partial void HealthChanged(ILogger logger, string endpoint, string authority, string state);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Endpoint {Endpoint} of model '{Model}' version '{Version}' ejected for {Seconds}s: {Reason}")]
    public static partial void Ejected(ILogger logger, string endpoint, string model, string version, double seconds, string reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Upstream maintenance failed")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
