using Microsoft.Extensions.Logging;

namespace Inference.Engine.Diagnostics;

internal static partial class EngineLog
{
    [LoggerMessage(5, LogLevel.Warning, "--batching ignored: model {ModelName} does not have a dynamic dimension 0 on every input and output")]
    public static partial void BatchingUnavailable(ILogger logger, string modelName);

    [LoggerMessage(6, LogLevel.Warning, "Merged run of {Count} requests failed; running them one by one")]
    public static partial void MergedRunFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "--max-in-flight {MaxInFlight} raised to --max-batch-size {MaxBatchSize}: fewer admitted requests could never fill a batch")]
    public static partial void MaxInFlightRaised(ILogger logger, int maxInFlight, int maxBatchSize);

    [LoggerMessage(12, LogLevel.Error, "Run of model {ModelName} version {ModelVersion} failed inside ONNX Runtime (error code {ErrorCode}): {Message}")]
    public static partial void RunFailed(ILogger logger, string modelName, string modelVersion, string errorCode, string message);
}
