using Inference.ModelServer.Configuration;
using Inference.ModelServer.Hosting;

namespace Inference.ModelServer;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = CommandLine.Parse(args, out var error, out var help);
        if (help)
        {
            Console.Out.WriteLine(CommandLine.Usage);
            return 0;
        }

        if (options is null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(CommandLine.Usage);
            return 2;
        }

        ModelServerHost host;
        try
        {
            host = ModelServerHost.Build(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException
            or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or DllNotFoundException or TypeInitializationException)
        {
            Console.Error.WriteLine($"Cannot serve model '{options.ModelPath}': {ex.Message}");
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            // SIGTERM and Ctrl+C stop the host gracefully (drain), after which Main returns 0.
            await host.RunAsync().ConfigureAwait(false);
            return host.ExitCode;
        }
    }
}
