using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Diagnostics;

internal static partial class ModelServerLog
{
    [LoggerMessage(1, LogLevel.Information,
        "Model loaded: name={ModelName} version={ModelVersion} sha256={Sha256} path={Path} inputs=[{Inputs}] outputs=[{Outputs}] batching={Batching} onnxruntime={OnnxRuntimeVersion} provider={ExecutionProvider}")]
    public static partial void ModelLoaded(
        ILogger logger, string modelName, string modelVersion, string sha256, string path, string inputs, string outputs, bool batching,
        string onnxRuntimeVersion, string executionProvider);

    /// <summary>The line tests and scripts parse to find the bound ports.</summary>
    [LoggerMessage(2, LogLevel.Information, "Listening: grpc={GrpcAddress} http={HttpAddress}")]
    public static partial void Listening(ILogger logger, string grpcAddress, string httpAddress);

    [LoggerMessage(3, LogLevel.Information, "Ready: model {ModelName} version {ModelVersion} warmed up in {Milliseconds} ms")]
    public static partial void Ready(ILogger logger, string modelName, string modelVersion, long milliseconds);

    [LoggerMessage(4, LogLevel.Critical,
        "Warm-up failed: model {ModelName} version {ModelVersion} cannot run a synthetic request (dynamic dimensions 1, every element 1): {Reason} Not serving: the process exits with code 1. If the model needs real inputs to run, start it with --no-warmup.")]
    public static partial void WarmUpFailed(ILogger logger, string modelName, string modelVersion, string reason, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "Draining: not ready, {InFlight} inferences in flight, waiting up to {Timeout} for them")]
    public static partial void Draining(ILogger logger, long inFlight, TimeSpan timeout);

    [LoggerMessage(8, LogLevel.Information, "Stopped: {InFlight} inferences were still in flight")]
    public static partial void Stopped(ILogger logger, long inFlight);

    [LoggerMessage(9, LogLevel.Error, "Inference failed unexpectedly")]
    public static partial void InferenceFailed(ILogger logger, Exception exception);

    /// <summary>A message of ONNX Runtime's own logger (e.g. the node that failed inside a Run).</summary>
    [LoggerMessage(EventId = 11, Message = "onnxruntime [{Category}] {Message}")]
    public static partial void OnnxRuntimeMessage(ILogger logger, LogLevel level, string category, string message);

    [LoggerMessage(13, LogLevel.Information, "Tracing: spans exported over OTLP to {Endpoint}")]
    public static partial void TracingEnabled(ILogger logger, string endpoint);

    [LoggerMessage(14, LogLevel.Information,
        "Memory budget: {Limit} bytes of request messages in flight ({Source}); largest request message {MaxMessageSize} bytes; the GC may use {AvailableMemory} bytes; large native blocks returned when freed: {NativeBlocksApart}")]
    public static partial void MemoryBudget(ILogger logger, long limit, string source, int maxMessageSize, long availableMemory, bool nativeBlocksApart);

    [LoggerMessage(15, LogLevel.Warning,
        "The memory budget of {Limit} bytes (--max-in-flight-bytes) is smaller than the largest request message of {MaxMessageSize} bytes (--max-receive-message-size): requests above the budget always get RESOURCE_EXHAUSTED")]
    public static partial void MemoryBudgetBelowMessageSize(ILogger logger, long limit, int maxMessageSize);

    [LoggerMessage(16, LogLevel.Information,
        "Memory returned after a burst of {Released} bytes of requests: the GC's committed memory went from {Before} to {After} bytes")]
    public static partial void MemoryTrimmed(ILogger logger, long released, long before, long after);

    [LoggerMessage(17, LogLevel.Debug, "Call {Method} cancelled by the client after {Milliseconds} ms")]
    public static partial void CallCancelledByClient(ILogger logger, string method, double milliseconds);

    [LoggerMessage(18, LogLevel.Warning, "Out of memory answering {Method}: RESOURCE_EXHAUSTED (in flight: {InFlight} of {Limit} bytes of request messages); lower --max-in-flight-bytes or raise the memory limit")]
    public static partial void OutOfMemory(ILogger logger, string method, long inFlight, long limit);
}
