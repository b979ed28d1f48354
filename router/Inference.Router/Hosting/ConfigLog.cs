namespace Inference.Router.Hosting;

internal static partial class ConfigLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Configuration {Path} rejected, keeping the running configuration: {Reason}")]
    public static partial void Rejected(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Cannot read configuration {Path}: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Cannot watch {Path} for changes ({Reason}); polling only")]
    public static partial void WatchUnavailable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Handling a change of {Path} failed; still watching it")]
    public static partial void CallbackFailed(ILogger logger, string path, Exception exception);
}
