using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Inference.Router.Hosting;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The executable as operators run it: flags, the listening line, exit codes, SIGTERM.</summary>
public sealed partial class ExecutableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(RouterHost).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ROUTER_ADMIN_TOKEN"] = "from-env";
        return Process.Start(info)!;
    }

    [Fact]
    public async Task Run_LogsParseableListeningLine_ServesAdmin_AndExitsCleanlyOnSigterm()
    {
        var directory = TempDirectory.Create();
        var config = Path.Combine(directory, "router.json");
        await File.WriteAllTextAsync(config, Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""));
        using var process = Start("--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0");
        using var timeout = new CancellationTokenSource(Patience);
        Match? match = null;
        while (match is null)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the router exited: " + await process.StandardError.ReadToEndAsync());
            var candidate = ListeningLine().Match(line);
            match = candidate.Success ? candidate : null;
        }

        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        using var admin = new HttpClient { BaseAddress = new Uri(match.Groups["admin"].Value) };
        Assert.Equal("ok", await admin.GetStringAsync("/healthz", timeout.Token));
        admin.DefaultRequestHeaders.Authorization = new("Bearer", "from-env");
        Assert.Contains("\"iris\"", await admin.GetStringAsync("/admin/models", timeout.Token), StringComparison.Ordinal);

        Assert.Equal(0, Kill(process.Id, 15));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Sigterm_WithDrainDelay_ReportsNotReady_AndKeepsAcceptingNewConnections()
    {
        var directory = TempDirectory.Create();
        var config = Path.Combine(directory, "router.json");
        await File.WriteAllTextAsync(config, Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""));
        // A delay far longer than the test: everything below happens inside it, whatever the machine's load.
        using var process = Start("--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--drain-delay-ms", "600000");
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            Match? match = null;
            while (match is null)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("the router exited: " + await process.StandardError.ReadToEndAsync());
                var candidate = ListeningLine().Match(line);
                match = candidate.Success ? candidate : null;
            }

            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            Assert.Equal(0, Kill(process.Id, 15));

            using (var admin = new HttpClient { BaseAddress = new Uri(match.Groups["admin"].Value) })
            {
                while ((await admin.GetAsync("/readyz", timeout.Token)).StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    await Task.Delay(50, timeout.Token);
                }
            }

            // New connections on both ports are still served while the delay runs.
            using (var fresh = new HttpClient { BaseAddress = new Uri(match.Groups["admin"].Value) })
            {
                Assert.Equal("ok", await fresh.GetStringAsync("/healthz", timeout.Token));
            }

            using var grpc = new GrpcTestClient();
            var live = await grpc.CallAsync(match.Groups["grpc"].Value, "/inference.GRPCInferenceService/ServerLive", new Inference.Contracts.Oip.ServerLiveRequest(), cancellationToken: timeout.Token);
            Assert.Equal(0, live.Status);
            Assert.False(process.HasExited);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Run_InvalidConfig_ExitsWithTheReason()
    {
        var config = Path.Combine(TempDirectory.Create(), "router.json");
        await File.WriteAllTextAsync(config, """{"models":{}}""");
        using var process = Start("--config", config, "--port", "0", "--admin-port", "0");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("'models' is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownFlag_ExitsWithUsage()
    {
        using var process = Start("--config", "x.json", "--frobnicate");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("unknown argument '--frobnicate'", error, StringComparison.Ordinal);
        Assert.Contains("Usage: Inference.Router --config", error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Now listening: grpc=(?<grpc>http://127\.0\.0\.1:[0-9]+) admin=(?<admin>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
