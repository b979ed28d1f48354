namespace Inference.Router.Proxy;

internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Model '{Model}': upstream {Endpoint} answered as version '{Actual}' but version '{Expected}' was chosen")]
    public static partial void VersionMismatch(ILogger logger, string model, string endpoint, string expected, string actual);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Model '{Model}' version '{Version}': attempt on {Endpoint} failed ({Error}); {Next}")]
    public static partial void AttemptFailed(ILogger logger, string model, string version, string endpoint, string error, string next, Exception? exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Rejected request: {Status} {Message}")]
    public static partial void Rejected(ILogger logger, string status, string message);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Unexpected error while routing {Path}")]
    public static partial void Unexpected(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Model '{Model}' version '{Version}': {Endpoint} answered before reading the whole request and stopped reading it ({Error})")]
    public static partial void BodyLeftUnread(ILogger logger, string model, string version, string endpoint, string error);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "The client aborted {Path} before it was routed ({Reason})")]
    public static partial void ClientAborted(ILogger logger, string path, string reason);
}
