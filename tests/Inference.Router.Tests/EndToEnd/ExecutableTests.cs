using Inference.Contracts;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The executable as operators run it: flags, the listening line, exit codes, SIGTERM.</summary>
public sealed class ExecutableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_LogsParseableListeningLine_ServesAdmin_AndExitsCleanlyOnSigterm()
    {
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        await File.WriteAllTextAsync(config, Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""));
        await using var router = await RouterProcess.StartAsync(Patience, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0");
        using var timeout = new CancellationTokenSource(Patience);
        using var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) };
        Assert.Equal("ok", await admin.GetStringAsync("/healthz", timeout.Token));
        admin.DefaultRequestHeaders.Authorization = new("Bearer", RouterProcess.AdminToken);
        Assert.Contains("\"iris\"", await admin.GetStringAsync("/admin/models", timeout.Token), StringComparison.Ordinal);

        router.Process.Signal(Signals.Term);

        Assert.Equal(0, await router.Process.WaitForExitAsync(Patience));
    }

    [Fact]
    public async Task Sigterm_WithDrainDelay_ReportsNotReady_AndKeepsAcceptingNewConnections()
    {
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        await File.WriteAllTextAsync(config, Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""));
        // A delay far longer than the test: everything below happens inside it, whatever the machine's load.
        await using var router = await RouterProcess.StartAsync(Patience, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--drain-delay-ms", "600000");
        using var timeout = new CancellationTokenSource(Patience);
        router.Process.Signal(Signals.Term);

        using (var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) })
        {
            await Wait.UntilAsync(async () => (await admin.GetAsync("/readyz", timeout.Token)).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, "/readyz to report 503", (int)Patience.TotalSeconds);
        }

        // New connections on both ports are still served while the delay runs.
        using (var fresh = new HttpClient { BaseAddress = new Uri(router.AdminUrl) })
        {
            Assert.Equal("ok", await fresh.GetStringAsync("/healthz", timeout.Token));
        }

        using var grpc = new GrpcTestClient();
        var live = await grpc.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ServerLive", new Inference.Contracts.Oip.ServerLiveRequest(), cancellationToken: timeout.Token);
        Assert.Equal(0, live.Status);
        Assert.False(router.Process.HasExited);
    }

    [Fact]
    public async Task Sigterm_UnderLoad_WithADrainDelay_FailsNoCall_OfClientsThatStopOnceNotReady()
    {
        // As Kubernetes does: on SIGTERM the pod's readiness turns 503, and callers keep coming until the endpoint is
        // removed. Every call made in that window must still be served.
        await using var v1 = await FakeOipBackend.StartAsync("iris", "1");
        await using var v2 = await FakeOipBackend.StartAsync("iris", "2");
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        await File.WriteAllTextAsync(config, Configs.Iris([v1.Url], [v2.Url], 50, 50));
        // Far longer than the test: the window below ends when the test says, whatever the machine's load.
        await using var router = await RouterProcess.StartAsync(Patience, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--drain-delay-ms", "60000");
        using var client = new GrpcTestClient();
        long phase = 0;
        await using var load = new ContinuousLoad(client, router.GrpcUrl, 4, () => Interlocked.Read(ref phase), (w, i) => $"user-{w}-{i}");
        await load.UntilAsync(calls => calls.Count >= 20, "calls before SIGTERM", Patience);

        router.Process.Signal(Signals.Term);
        using (var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) })
        {
            await Wait.UntilAsync(async () => (await admin.GetAsync("/readyz")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, "/readyz to report 503", (int)Patience.TotalSeconds);
        }

        Interlocked.Exchange(ref phase, 1);
        await load.UntilAsync(calls => calls.Count(c => c.StartPhase == 1) >= 40, "calls after /readyz reported 503", Patience);
        var all = await load.StopAsync();

        Assert.Empty(all.Where(c => c.Result.Status != 0).Select(c => $"{c.Result.Status} {c.Result.Message}"));
        Assert.False(router.Process.HasExited);
    }

    [Fact]
    public async Task Run_InvalidConfig_ExitsWithTheReason()
    {
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        await File.WriteAllTextAsync(config, """{"models":{}}""");
        await using var process = RouterProcess.Start(null, "--config", config, "--port", "0", "--admin-port", "0");

        Assert.Equal(1, await process.WaitForExitAsync(Patience));
        Assert.Contains("'models' is empty", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownFlag_ExitsWithUsage()
    {
        await using var process = RouterProcess.Start(null, "--config", "x.json", "--frobnicate");

        Assert.Equal(2, await process.WaitForExitAsync(Patience));
        Assert.Contains("stderr: error: unknown argument '--frobnicate'", process.Output, StringComparison.Ordinal);
        Assert.Contains("Usage: Inference.Router --config", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tracing_ContinuesTheCallersTraceToTheModelServer()
    {
        // OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on (spans go nowhere here: nothing listens on port 1). The model
        // server then sees the caller's trace with the router's span as its parent; the rest of the metadata as sent.
        await using var v1 = await FakeOipBackend.StartAsync("iris", "1");
        await using var v2 = await FakeOipBackend.StartAsync("iris", "2");
        v1.RecordBodies = true;
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        await File.WriteAllTextAsync(config, Configs.Iris([v1.Url], [v2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0}"""));
        var environment = new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1" };
        await using var router = await RouterProcess.StartAsync(Patience, environment, "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0");
        using var client = new GrpcTestClient();
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string CallerSpan = "00f067aa0ba902b7";

        var result = await client.CallRawAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ModelInfer", InferBodies.Random("traced", 16),
            [new("traceparent", $"00-{TraceId}-{CallerSpan}-01"), new("x-tenant", "acme")]);

        Assert.Equal((0, "1"), (result.Status, result.Header(InferenceHeaders.ModelVersion)));
        Assert.True(v1.RequestHeaders.TryGetValue("traced", out var received), "the call did not reach the model server");
        var parts = received["traceparent"].Split('-');
        Assert.Equal(("00", TraceId, "01"), (parts[0], parts[1], parts[3]));
        Assert.Matches("^[0-9a-f]{16}$", parts[2]);
        Assert.NotEqual(CallerSpan, parts[2]);
        Assert.Equal("acme", received["x-tenant"]);
    }
}
