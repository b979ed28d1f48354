namespace Inference.Router.Statistics;

internal static partial class ResultsLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Experiment statistics of model '{Model}' ({Experiment}) restored from {Path}")]
    public static partial void Restored(ILogger logger, string model, string experiment, string path);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Experiment statistics of model '{Model}' start from zero: experiment '{Experiment}' (was '{Previous}')")]
    public static partial void Started(ILogger logger, string model, string experiment, string previous);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Could not write the experiment results file {Path}; statistics since the last save would be lost on restart")]
    public static partial void SaveFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Could not read the experiment results file {Path}; statistics start from zero: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string path, string reason);
}
