namespace Inference.Batch.Cli;

/// <summary>The process's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Every row was read; those that could be scored are in the output, the others (at most --max-errors) in the error file.</summary>
    public const int Ok = 0;

    /// <summary>The job could not run or stopped: unreadable file, a file that does not fit the model, a server failure.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>More rows than --max-errors could not be scored.</summary>
    public const int TooManyBadRows = 3;

    /// <summary>Stopped by SIGINT or SIGTERM; the last checkpoint stands, and the same command resumes.</summary>
    public const int Interrupted = 130;
}
