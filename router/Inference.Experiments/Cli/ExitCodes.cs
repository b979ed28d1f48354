namespace Inference.Experiments.Cli;

/// <summary>The process's exit codes; scripts tell "an instance failed" from "instances disagree".</summary>
internal static class ExitCodes
{
    /// <summary>Every instance answered (and was changed, for set and rollback) and they agree.</summary>
    public const int Ok = 0;

    /// <summary>At least one instance failed: unreachable, refused, or not changed because of a concurrent change.</summary>
    public const int InstanceFailed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Every instance answered but their weights differ.</summary>
    public const int Diverged = 3;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Cancelled = 130;

    /// <summary>A failed instance wins over a divergence: with an instance unread, the picture is incomplete.</summary>
    public static int For(int failed, bool diverged) => failed > 0 ? InstanceFailed : diverged ? Diverged : Ok;
}
