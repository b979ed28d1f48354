namespace Inference.Router.Shadow;

internal static partial class ShadowLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Shadow: model '{Model}' version '{Shadow}' disagrees with version '{Primary}' on request id '{RequestId}': {Differences}")]
    public static partial void Disagreed(ILogger logger, string model, string shadow, string primary, string requestId, string differences);

    [LoggerMessage(EventId = 701, Level = LogLevel.Debug, Message = "Shadow: the copy of a model '{Model}' call to version '{Shadow}' failed: {Reason}")]
    public static partial void Failed(ILogger logger, string model, string shadow, string reason);
}
