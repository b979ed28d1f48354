namespace Inference.Router.Admin;

internal static partial class AdminLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "audit: who={Who} {Method} {Path} denied ({Status}); {Held} earlier denials not logged (at most 10 lines a minute; all are counted in router_admin_denied_total)")]
    public static partial void Denied(ILogger logger, string who, string method, string path, int status, long held);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "audit: who={Who} {Method} {Path} refused ({Status}): {Reason}")]
    public static partial void BodyRefused(ILogger logger, string who, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Admin token reloaded from {Path}: the previous token is no longer accepted; audit identity now {Identity}")]
    public static partial void TokenReloaded(ILogger logger, string path, string identity);

    [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Admin token file {Path} is unusable ({Reason}); keeping the current token")]
    public static partial void TokenFileUnusable(ILogger logger, string path, string reason);
}
