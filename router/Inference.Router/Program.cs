using Inference.Router.Configuration;
using Inference.Router.Hosting;

namespace Inference.Router;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Upstream (client) socket completions also run inline, as Kestrel's do (RouterHost): read
        // once when sockets first initialise, so it must be set before any socket exists. An
        // explicit setting in the environment wins.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        RouterOptions options;
        try
        {
            options = CommandLine.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (UsageException ex)
        {
            if (ex.Message.Length > 0)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
            }

            await Console.Error.WriteLineAsync(CommandLine.Usage);
            return ex.Message.Length > 0 ? 2 : 0;
        }

        // Off by default (the project's runtime settings): HttpClient then adds no diagnostics handler to the hot path.
        // Tracing needs it to continue the trace to the model servers. Read once, before any HTTP client exists.
        if (options.Tracing)
        {
            AppContext.SetSwitch("System.Net.Http.EnableActivityPropagation", true);
        }

        RouterHost host;
        try
        {
            host = await RouterHost.StartAsync(options, CancellationToken.None);
        }
        catch (RouterConfigException ex)
        {
            await Console.Error.WriteLineAsync($"error: invalid configuration {options.ConfigPath}: {ex.Message}");
            return 1;
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot start: {ex.Message}");
            return 1;
        }

        await using (host)
        {
            await host.WaitForShutdownAsync();
        }

        return 0;
    }
}
