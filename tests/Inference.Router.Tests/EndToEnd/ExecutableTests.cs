using System.Runtime.InteropServices;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The executable as operators run it: flags, the listening line, exit codes, SIGTERM.</summary>
public sealed class ExecutableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_LogsParseableListeningLine_ServesAdmin_AndExitsCleanlyOnSigterm()
    {
        var directory = TempDirectory.Create();
        var config = Path.Combine(directory, "router.json");
        await File.WriteAllTextAsync(config, Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""));
        using var router = await RouterProcess.StartAsync(Patience, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0");
        var process = router.Process;
        using var timeout = new CancellationTokenSource(Patience);
        using var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) };
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
        using var router = await RouterProcess.StartAsync(Patience, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--drain-delay-ms", "600000");
        var process = router.Process;
        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal(0, Kill(process.Id, 15));

        using (var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) })
        {
            while ((await admin.GetAsync("/readyz", timeout.Token)).StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        // New connections on both ports are still served while the delay runs.
        using (var fresh = new HttpClient { BaseAddress = new Uri(router.AdminUrl) })
        {
            Assert.Equal("ok", await fresh.GetStringAsync("/healthz", timeout.Token));
        }

        using var grpc = new GrpcTestClient();
        var live = await grpc.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ServerLive", new Inference.Contracts.Oip.ServerLiveRequest(), cancellationToken: timeout.Token);
        Assert.Equal(0, live.Status);
        Assert.False(process.HasExited);
    }

    [Fact]
    public async Task Run_InvalidConfig_ExitsWithTheReason()
    {
        var config = Path.Combine(TempDirectory.Create(), "router.json");
        await File.WriteAllTextAsync(config, """{"models":{}}""");
        using var process = RouterProcess.Start("--config", config, "--port", "0", "--admin-port", "0");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("'models' is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownFlag_ExitsWithUsage()
    {
        using var process = RouterProcess.Start("--config", "x.json", "--frobnicate");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("unknown argument '--frobnicate'", error, StringComparison.Ordinal);
        Assert.Contains("Usage: Inference.Router --config", error, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
