using System.Text.RegularExpressions;

namespace Inference.Testing;

/// <summary>The real router executable on 127.0.0.1 with free ports and a configuration file in a temp folder; stopped on dispose.</summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory;

    private RouterProcess(ChildProcess process, TempDirectory directory, Uri grpc, Uri admin)
    {
        Process = process;
        _directory = directory;
        GrpcAddress = grpc;
        AdminAddress = admin;
    }

    public ChildProcess Process { get; }

    public Uri GrpcAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary><c>host:port</c> of the gRPC port.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    /// <summary>Starts the router with <paramref name="config"/> (router.json's text) and waits for its listening line.</summary>
    public static async Task<RouterProcess> StartAsync(string config)
    {
        var directory = new TempDirectory("router");
        ChildProcess? process = null;
        try
        {
            var path = directory.File("router.json");
            await System.IO.File.WriteAllTextAsync(path, config);
            process = ChildProcess.StartDotnet(
                "router", BuiltExecutables.Router,
                ["--config", path, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0"],
                new Dictionary<string, string?> { ["ROUTER_ADMIN_TOKEN"] = null });
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            return new RouterProcess(process, directory, new Uri(listening.Groups["grpc"].Value), new Uri(listening.Groups["admin"].Value));
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

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _directory.Dispose();
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://[0-9.]+:[0-9]+) admin=(?<admin>http://[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();
}
