using Microsoft.Extensions.Logging;

namespace Inference.Grpc.Server;

internal static partial class GrpcServerLog
{
    [LoggerMessage(1, LogLevel.Error, "gRPC method {Method} failed with an unexpected exception.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} exceeded its deadline.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(3, LogLevel.Debug, "gRPC call {Method} was cancelled by the client or lost its connection.")]
    public static partial void CallAborted(ILogger logger, string method);

    [LoggerMessage(4, LogLevel.Debug, "gRPC call {Method} rejected: {Reason}")]
    public static partial void CallRejected(ILogger logger, string method, string reason);

    [LoggerMessage(5, LogLevel.Debug, "gRPC call {Method} ended with status {StatusCode}: {Detail}")]
    public static partial void ErrorStatus(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(6, LogLevel.Warning, "gRPC call {Method}: Kestrel's request body limit of {Limit} bytes stays, the body was already being read; MaxReceiveMessageSize alone cannot apply.")]
    public static partial void BodySizeLimitKept(ILogger logger, string method, long limit);

    [LoggerMessage(7, LogLevel.Debug, "gRPC call {Method}: the response could not be completed at the deadline.")]
    public static partial void DeadlineCompletionFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "gRPC call {Method}: a callback on the call's token failed when the deadline passed.")]
    public static partial void DeadlineCallbackFailed(ILogger logger, string method, Exception exception);
}
