using System.Net;
using Inference.Experiments.Cli;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>Runs the tool in this process with captured output, the test token in its environment and short retry pauses.</summary>
internal static class Tool
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, configure: null);

    /// <param name="configure">Changes to the context: another environment, resolver or HTTP handler.</param>
    public static async Task<CliResult> RunAsync(IReadOnlyList<string> args, Func<CliContext, CliContext>? configure)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Environment = name => name == "ROUTER_ADMIN_TOKEN" ? RouterProcess.AdminToken : null,
            Resolve = (host, _) => throw new InvalidOperationException($"the test did not expect a DNS lookup of {host}"),
            RetryDelay = TimeSpan.FromMilliseconds(10),
        };
        context = configure?.Invoke(context) ?? context;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exitCode = await ExperimentsApp.RunAsync(args, context, timeout.Token);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A resolver that knows only <paramref name="names"/>; any other name does not exist.</summary>
    public static Func<string, CancellationToken, Task<IPAddress[]>> Resolver(IReadOnlyDictionary<string, IPAddress[]> names) =>
        (host, _) => names.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
}
