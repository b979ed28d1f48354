using System.Globalization;
using System.Text.RegularExpressions;

namespace Inference.Testing;

/// <summary>
/// The real router executable in its own process (with its own runtime settings, the GC heap limit among them), known
/// by the addresses of its listening line; stopped on dispose.
/// </summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    /// <summary>The admin token routers started with command-line arguments get (ROUTER_ADMIN_TOKEN).</summary>
    public const string Token = "from-env";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory? _directory;

    private RouterProcess(ChildProcess process, TempDirectory? directory, Match listening)
    {
        Process = process;
        _directory = directory;
        GrpcUrl = listening.Groups["grpc"].Value;
        AdminUrl = listening.Groups["admin"].Value;
    }

    public ChildProcess Process { get; }

    /// <summary>The gRPC port's address, <c>http://host:port</c>.</summary>
    public string GrpcUrl { get; }

    /// <summary>The admin port's address, <c>http://host:port</c>.</summary>
    public string AdminUrl { get; }

    public Uri GrpcAddress => new(GrpcUrl);

    public Uri AdminAddress => new(AdminUrl);

    /// <summary><c>host:port</c> of the gRPC port.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    /// <summary>
    /// Starts the router with <paramref name="config"/> (router.json's text) on 127.0.0.1 with free ports and no admin
    /// token, and waits for its listening line.
    /// </summary>
    public static async Task<RouterProcess> StartAsync(string config)
    {
        var directory = new TempDirectory("router");
        ChildProcess? process = null;
        try
        {
            var path = directory.File("router.json");
            await File.WriteAllTextAsync(path, config);
            process = ChildProcess.StartDotnet(
                "router", BuiltExecutables.Router,
                ["--config", path, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0"],
                new Dictionary<string, string?> { ["ROUTER_ADMIN_TOKEN"] = null });
            return new RouterProcess(process, directory, await process.WaitForLineAsync(ListeningLine(), StartTimeout));
        }
        catch
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    /// <summary>Starts the router with <paramref name="args"/> and <see cref="Token"/>, and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var process = Start(environment, args);
        try
        {
            return new RouterProcess(process, null, await process.WaitForLineAsync(ListeningLine(), timeout));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc cref="StartAsync(TimeSpan, IReadOnlyDictionary{string, string?}?, string[])"/>
    public static Task<RouterProcess> StartAsync(TimeSpan timeout, params string[] args) => StartAsync(timeout, null, args);

    /// <summary>Starts the router executable with <see cref="Token"/> without waiting for anything.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["ROUTER_ADMIN_TOKEN"] = Token };
        return ChildProcess.StartDotnet("router", BuiltExecutables.Router, args, variables);
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in kB (VmRSS, VmHWM), or -1 once the process is gone.</summary>
    public long StatusKilobytes(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{Process.Id}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _directory?.Dispose();
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://[0-9.]+:[0-9]+) admin=(?<admin>http://[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();
}
