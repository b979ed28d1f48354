namespace Inference.Router.Guard;

internal static partial class GuardLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Guard: model '{Model}' experiment '{Experiment}' breached: {Reason}; rolling back to control")]
    public static partial void Breached(ILogger logger, string model, string experiment, string reason);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Guard: model '{Model}' experiment '{Experiment}' rolled back to control at revision {Revision}; it stays there until weights are set again")]
    public static partial void RolledBack(ILogger logger, string model, string experiment, long revision);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Guard: the rollback of model '{Model}' experiment '{Experiment}' was refused: {Reason}")]
    public static partial void RollbackRefused(ILogger logger, string model, string experiment, string reason);

    [LoggerMessage(EventId = 603, Level = LogLevel.Error, Message = "Guard: the rollback of model '{Model}' experiment '{Experiment}' failed")]
    public static partial void RollbackFailed(ILogger logger, string model, string experiment, Exception exception);
}
