using System.Text.RegularExpressions;
using Inference.Router.Hosting;
using Inference.Testing;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>
/// The router executable in its own process, with its own runtime settings (the GC heap limit among them), known by
/// the addresses of its listening line.
/// </summary>
internal sealed partial class RouterProcess : IAsyncDisposable
{
    /// <summary>The admin token the router processes get (ROUTER_ADMIN_TOKEN).</summary>
    public const string Token = "from-env";

    private RouterProcess(ChildProcess process, string grpcUrl, string adminUrl)
    {
        Process = process;
        GrpcUrl = grpcUrl;
        AdminUrl = adminUrl;
    }

    public ChildProcess Process { get; }

    public string GrpcUrl { get; }

    public string AdminUrl { get; }

    /// <summary>Starts the router with <paramref name="args"/> and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var process = Start(environment, args);
        try
        {
            var match = await process.WaitForLineAsync(ListeningLine(), timeout);
            return new RouterProcess(process, match.Groups["grpc"].Value, match.Groups["admin"].Value);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc cref="StartAsync(TimeSpan, IReadOnlyDictionary{string, string?}?, string[])"/>
    public static Task<RouterProcess> StartAsync(TimeSpan timeout, params string[] args) => StartAsync(timeout, null, args);

    /// <summary>Starts the router executable without waiting for anything.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["ROUTER_ADMIN_TOKEN"] = Token };
        return ChildProcess.StartDotnet("router", typeof(RouterHost).Assembly.Location, args, variables);
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in kB (VmRSS, VmHWM), or -1 once the process is gone.</summary>
    public long StatusKilobytes(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{Process.Id}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://127\.0\.0\.1:[0-9]+) admin=(?<admin>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningLine();
}
