using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>A real router process on a loopback address, known by the admin address of its listening line.</summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RouterProcess(Process process, Uri admin, Uri grpc)
    {
        _process = process;
        Admin = admin;
        Grpc = grpc;
    }

    /// <summary>The gRPC port's address, e.g. <c>http://127.0.0.1:41235</c>.</summary>
    public Uri Grpc { get; }

    /// <summary>The admin base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Admin { get; }

    /// <summary>Writes <paramref name="config"/> next to <paramref name="directory"/>'s other files and starts a router on <paramref name="host"/>.</summary>
    /// <param name="adminPort">0 for a free port.</param>
    internal static async Task<RouterProcess> StartAsync(string directory, string name, string config, string host, int adminPort, string token)
    {
        var configPath = Path.Combine(directory, name + ".json");
        await File.WriteAllTextAsync(configPath, config);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "exec", RouterBuild.Assembly, "--config", configPath, "--host", host, "--port", "0", "--admin-port", adminPort.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ROUTER_ADMIN_TOKEN"] = token;
        var process = Process.Start(info)!;
        var output = new StringBuilder();
        try
        {
            using var expiry = new CancellationTokenSource(StartTimeout);
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(expiry.Token)
                    ?? throw new InvalidOperationException($"router {name} exited before listening:\n{output}{await process.StandardError.ReadToEndAsync(expiry.Token)}");
                output.AppendLine(line);
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    var router = new RouterProcess(process, new Uri(match.Groups["admin"].Value + "/"), new Uri(match.Groups["grpc"].Value));
                    router._output.Append(output);
                    // Keep reading both pipes so the router never blocks on a full one.
                    _ = router.CollectAsync(process.StandardOutput);
                    _ = router.CollectAsync(process.StandardError);
                    return router;
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            throw;
        }
    }

    /// <summary>What the router logged so far (shown when a test fails).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private async Task CollectAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://[0-9.]+:[0-9]+) admin=(?<admin>http://[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();
}
