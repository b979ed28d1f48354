using Microsoft.Extensions.Logging;

namespace Inference.Router.Admin;

internal static partial class AdminLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "audit: who={Who} {Method} {Path} denied ({Status})")]
    public static partial void Denied(ILogger logger, string who, string method, string path, int status);
}
