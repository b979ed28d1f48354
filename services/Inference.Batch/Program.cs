using System.Runtime.InteropServices;
using Inference.Batch.Cli;
using Inference.Batch.Jobs;

namespace Inference.Batch;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        // SIGTERM (Kubernetes stopping the pod) and Ctrl-C stop the job at once; the last checkpoint stands.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        var context = new JobContext
        {
            Out = Console.Out,
            Error = Console.Error,
            ErrorIsTerminal = !Console.IsErrorRedirected,
            OpenInProcess = Scoring.EngineScorer.OpenAsync,
        };
        return await BatchApp.RunAsync(args, context, stop.Token);

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }
}
