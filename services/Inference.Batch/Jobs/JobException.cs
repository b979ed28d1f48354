namespace Inference.Batch.Jobs;

/// <summary>The job cannot run or go on; the message says why, in one line.</summary>
internal class JobException(string message, int exitCode = Cli.ExitCodes.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
