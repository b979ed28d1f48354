namespace Inference.Router.Routing;

internal static partial class RoutingLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Routing revision {Revision} published ({Reason})")]
    public static partial void Published(ILogger logger, long revision, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "audit: who={Who} action={Action} model={Model} experiment={Experiment} before={Before} after={After} revision={Revision}")]
    public static partial void Audit(ILogger logger, string who, string action, string model, string experiment, string before, string after, long revision);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "audit: who={Who} action={Action} model={Model} refused: {Reason}")]
    public static partial void AuditRefused(ILogger logger, string who, string action, string model, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Admin weights for model '{Model}' (set by {ChangedBy} at {ChangedAt:o}) superseded: {Reason}")]
    public static partial void OverrideSuperseded(ILogger logger, string model, string changedBy, DateTimeOffset changedAt, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Admin weights for model '{Model}' restored from the state file: {Weights}")]
    public static partial void OverrideRestored(ILogger logger, string model, string weights);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Could not write the state file {Path}; the change is applied but will not survive a restart")]
    public static partial void StateSaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error, Message = "Could not read the state file {Path}; starting without saved admin changes: {Reason}")]
    public static partial void StateLoadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "audit: who={Who} action=rollback model={Model} experiment={Experiment} reason={Reason} revision={Revision}")]
    public static partial void AuditRollbackReason(ILogger logger, string who, string model, string experiment, string reason, long revision);
}
