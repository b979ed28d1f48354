namespace Inference.Experiments.Cli;

internal enum CommandKind
{
    Status,
    Set,
    Rollback,
    Results,
}
