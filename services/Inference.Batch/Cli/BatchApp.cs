using System.Globalization;
using Inference.Batch.Jobs;

namespace Inference.Batch.Cli;

/// <summary>Runs one command line: parse, run the job, report; returns the exit code.</summary>
internal static class BatchApp
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, JobContext context, CancellationToken cancellationToken)
    {
        JobOptions? options;
        try
        {
            options = CommandLine.Parse(args);
        }
        catch (UsageException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            await context.Error.WriteLineAsync(HelpText.UsageLine);
            await context.Error.WriteLineAsync("Run 'inference-batch --help' for more.");
            return ExitCodes.Usage;
        }

        if (options is null)
        {
            await context.Out.WriteLineAsync(HelpText.Full);
            return ExitCodes.Ok;
        }

        try
        {
            var summary = await new BatchJob(options, context).RunAsync(cancellationToken);
            var rate = summary.Elapsed.TotalSeconds > 0 ? (summary.RowsWritten + summary.RowsFailed) / summary.Elapsed.TotalSeconds : 0;
            var bad = summary.RowsFailed > 0 ? $", {summary.RowsFailed} bad (see {summary.ErrorsPath})" : "";
            await context.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"done: {summary.RowsWritten} rows scored{bad} in {summary.Elapsed.TotalSeconds:0.0} s ({rate:0} rows/s) -> {options.Output}"));
            return ExitCodes.Ok;
        }
        catch (JobException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"interrupted: the last checkpoint ({options.CheckpointPath}) stands; run the same command to resume");
            return ExitCodes.Interrupted;
        }
        catch (IOException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
