using Inference.Experiments.Cli;

namespace Inference.Experiments;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl-C stops waiting and reports; a second one ends the process.
            e.Cancel = !interrupted.IsCancellationRequested;
            interrupted.Cancel();
        };

        return await ExperimentsApp.RunAsync(args, new CliContext { Out = Console.Out, Error = Console.Error }, interrupted.Token);
    }
}
