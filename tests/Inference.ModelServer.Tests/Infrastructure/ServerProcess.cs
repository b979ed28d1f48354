using System.Text.RegularExpressions;

namespace Inference.ModelServer.Tests;

/// <summary>The real model server executable as a child process, started the way the container image starts it.</summary>
internal static partial class ServerProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    private static string Assembly => RepoPaths.Built("Inference.ModelServer.dll");

    /// <summary>Runs the server until it exits by itself.</summary>
    public static Task<ProcessResult> RunToExitAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        ChildProcess.RunAsync(ChildProcess.DotnetHost, [Assembly, .. arguments], environment, Timeout);

    /// <summary>Starts the server and waits for its Listening line.</summary>
    public static async Task<StartedServer> StartAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var process = ChildProcess.StartDotnet("model server", Assembly, arguments, environment);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), Timeout);
            return new StartedServer(process, new Uri(listening.Groups[1].Value), new Uri(listening.Groups[2].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"Listening: grpc=(\S+) http=(\S+)")]
    private static partial Regex ListeningLine();
}
