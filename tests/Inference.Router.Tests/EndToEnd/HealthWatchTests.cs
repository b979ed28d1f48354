using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// Endpoint health from grpc.health.v1.Health/Watch (pushed at once) and the periodic Check (the fallback,
/// tolerant of one missed answer).
/// </summary>
public sealed class HealthWatchTests : IAsyncLifetime
{
    private const string Infer = "/inference.GRPCInferenceService/ModelInfer";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    // So long that no periodic Check runs during a test: whatever changes health is the Watch.
    private const string WatchOnly = """{"healthCheckIntervalSeconds": 3600}""";

    private readonly GrpcTestClient _client = new();
    private FakeOipBackend _a = null!;
    private FakeOipBackend _b = null!;
    private FakeOipBackend _v2 = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeOipBackend.StartAsync("iris", "1", "replica-a");
        _b = await FakeOipBackend.StartAsync("iris", "1", "replica-b");
        _v2 = await FakeOipBackend.StartAsync("iris", "2");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _v2.DisposeAsync();
    }

    [Fact]
    public async Task WatchNotServing_TakesTheReplicaOutAtOnce_AndServingBringsItBack()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([_a.Url, _b.Url], [_v2.Url], 100, 0, extra: WatchOnly));
        await UntilAsync(() => _a.OpenWatches == 1 && _b.OpenWatches == 1, "the router to watch both replicas");

        _a.Serving = false;
        await router.Logs.WaitForAsync(Patience, _a.Url, "is now unhealthy", "Watch: NOT_SERVING");
        var before = _a.Requests;
        var replicas = await CallManyAsync(router, 30);

        Assert.All(replicas, r => Assert.Equal("replica-b", r));
        Assert.Equal(before, _a.Requests);
        Assert.Equal(0, _a.Checks + _b.Checks);

        _a.Serving = true;
        await router.Logs.WaitForAsync(Patience, _a.Url, "is now healthy", "Watch: SERVING");
        Assert.Contains("replica-a", await CallManyAsync(router, 60));
    }

    [Fact]
    public async Task WatchStreamEnd_TakesTheReplicaOut_UntilAReopenedStreamSaysServing()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([_a.Url], [_v2.Url], 100, 0, extra: WatchOnly));
        await UntilAsync(() => _a.OpenWatches == 1, "the router to watch the replica");

        _a.EndWatches();

        await router.Logs.WaitForAsync(Patience, _a.Url, "is now unhealthy", "the Watch stream ended");
        await router.Logs.WaitForAsync(Patience, _a.Url, "is now healthy", "Watch: SERVING");
        Assert.True(_a.Watches >= 2, $"the Watch was not reopened ({_a.Watches} calls)");
        Assert.Equal(0, _a.Checks);
        Assert.Equal(0, (await _client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
    }

    [Fact]
    public async Task StoppingAWatch_OnRemovalOrShutdown_IsNoHealthVerdict()
    {
        var router = await TestRouter.StartAsync(Configs.Iris([_a.Url, _b.Url], [_v2.Url], 100, 0, extra: WatchOnly));
        try
        {
            await UntilAsync(() => _a.OpenWatches == 1 && _b.OpenWatches == 1, "the router to watch both replicas");
            _a.Serving = false;
            _b.Serving = false;
            await router.Logs.WaitForAsync(Patience, _a.Url, "is now unhealthy", "Watch: NOT_SERVING");
            await router.Logs.WaitForAsync(Patience, _b.Url, "is now unhealthy", "Watch: NOT_SERVING");

            // Replica a leaves the configuration while NOT_SERVING: its Watch is stopped.
            await router.ReplaceConfigAsync(Configs.Iris([_b.Url], [_v2.Url], 100, 0, extra: WatchOnly));
            await router.Logs.WaitForAsync(Patience, "Routing revision 2 published");
            await UntilAsync(() => _a.OpenWatches == 0, "the router to stop watching the removed replica");
        }
        finally
        {
            // Replica b is still NOT_SERVING when the router shuts down; disposal waits for every watcher to stop.
            await router.DisposeAsync();
        }

        var lines = router.Logs.Lines.ToList();
        Assert.DoesNotContain(lines, l => l.Contains("is now healthy", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("no longer watched", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains("Inference.Router.Upstream", StringComparison.Ordinal) && !l.Contains("Watch: NOT_SERVING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WatchUnimplemented_FallsBackToTheCheck()
    {
        _a.WatchSupported = false;
        await using var router = await TestRouter.StartAsync(Configs.Iris([_a.Url], [_v2.Url], 100, 0));
        await router.Logs.WaitForAsync(Patience, _a.Url, "does not implement grpc.health.v1.Health/Watch");

        _a.Serving = false;

        await router.Logs.WaitForAsync(Patience, _a.Url, "is now unhealthy", "Check: not SERVING");
        var result = await _client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(14, result.Status);
        Assert.Contains("no healthy endpoint for model 'iris' version '1'", result.Message, StringComparison.Ordinal);
        Assert.Equal(1, _a.Watches);
    }

    [Fact]
    public async Task CheckTimeouts_TakeTheReplicaOutOnlyOnTheSecondInARow()
    {
        _a.WatchSupported = false;
        await using var router = await TestRouter.StartAsync(Configs.Iris([_a.Url], [_v2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0.2, "healthCheckTimeoutSeconds": 0.2}"""));
        await UntilAsync(() => _a.Checks > 0, "a first health Check");

        _a.HoldChecks = true;

        var unhealthy = await router.Logs.WaitForAsync(Patience, _a.Url, "is now unhealthy");
        var lines = router.Logs.Lines.ToList();
        var firstMiss = lines.FindIndex(l => l.Contains(_a.Url, StringComparison.Ordinal) && l.Contains("1 of the 2 misses", StringComparison.Ordinal));
        Assert.True(firstMiss >= 0 && firstMiss < lines.IndexOf(unhealthy), $"no tolerated first miss before the removal:\n{string.Join('\n', lines)}");
        Assert.Contains("no answer 2 times in a row", unhealthy, StringComparison.Ordinal);

        _a.HoldChecks = false;
        await router.Logs.WaitForAsync(Patience, _a.Url, "is now healthy", "Check: SERVING");
        Assert.Equal(0, (await _client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
    }

    [Fact]
    public async Task ZeroHealthCheckInterval_OpensNoWatch()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([_a.Url], [_v2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0}"""));

        Assert.Equal(0, (await _client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
        Assert.Equal(0, _a.Watches + _a.Checks);
    }

    private static ModelInferRequest Request() => new() { ModelName = "iris", Id = "req" };

    /// <summary>Which replica answered each of <paramref name="count"/> calls (calls that failed fail the test).</summary>
    private async Task<List<string>> CallManyAsync(TestRouter router, int count)
    {
        var replicas = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var result = await _client.CallAsync(router.GrpcUrl, Infer, Request());
            Assert.Equal(0, result.Status);
            replicas.Add(ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        }

        return replicas;
    }

    private static Task UntilAsync(Func<bool> condition, string what) => Wait.UntilAsync(condition, what, (int)Patience.TotalSeconds);
}
