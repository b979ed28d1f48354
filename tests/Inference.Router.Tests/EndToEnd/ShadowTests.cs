using System.Buffers.Binary;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// Shadow traffic end to end against fake model servers: copies reach the shadow version with the caller's request as
/// sent, answers are compared (same answer agrees, a different output disagrees and is logged with the request id), and
/// a shadow that is down, slow or failing changes nothing the caller sees.
/// </summary>
public sealed class ShadowTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private FakeOipBackend V3 { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        V3 = await FakeOipBackend.StartAsync("iris", "3");
    }

    public override async Task DisposeAsync()
    {
        await V3.DisposeAsync();
        await base.DisposeAsync();
    }

    private string Config(double percent = 100, string extra = "") => Configs.WithExperiment(
        Configs.WithVersion(Configs.Iris([V1.Url], [V2.Url], 100, 0), "3", V3.Url),
        $$$"""{"shadow": {"version": "3", "percent": {{{percent}}}, "timeoutSeconds": 1 {{{extra}}} } }""");

    private static byte[] Body(string id) => GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", Id = id });

    private static ModelInferResponse.Types.InferOutputTensor Scores() => new() { Name = "scores", Datatype = "FP32", Shape = { 1, 3 } };

    private static byte[] Fp32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static async Task<double> WaitForShadowAsync(TestRouter router, string result, double count)
    {
        var sample = $"router_shadow_requests_total{{model=\"iris\",version=\"3\",primary=\"1\",result=\"{result}\"}}";
        double? value = null;
        await Wait.UntilAsync(async () => (value = await router.MetricAsync(sample)) >= count, $"{count} shadow copies {result}", (int)Patience.TotalSeconds);
        return value!.Value;
    }

    [Fact]
    public async Task SameAnswer_Agrees_AndTheCopyIsTheCallersRequest()
    {
        V1.ExtraOutput = V3.ExtraOutput = Scores();
        V1.ExtraOutputContents = V3.ExtraOutputContents = Fp32(0.1f, 0.7f, 0.2f);
        V3.RecordBodies = true;
        await using var router = await TestRouter.StartAsync(Config());

        for (var i = 0; i < 20; i++)
        {
            var result = await Client.CallRawAsync(router.GrpcUrl, Infer, Body($"same-{i}"), [new("x-tenant", "acme")]);
            Assert.Equal(0, result.Status);
            Assert.Equal("iris-1", ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        }

        // A call that pins a version bypasses the experiment, and its shadow.
        var pinned = await Client.CallRawAsync(router.GrpcUrl, Infer, GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", ModelVersion = "1", Id = "pinned" }));
        Assert.Equal(0, pinned.Status);

        Assert.Equal(20, await WaitForShadowAsync(router, "agreed", 20));
        Assert.False(V3.Bodies.ContainsKey("pinned"));
        Assert.Equal(20, await router.MetricAsync("router_shadow_requests_total{model=\"iris\",version=\"3\",primary=\"1\",result=\"sent\"}"));
        Assert.Null(await router.MetricAsync("router_shadow_requests_total{model=\"iris\",version=\"3\",primary=\"1\",result=\"disagreed\"}"));
        Assert.Equal(20, (await router.ScrapeAsync()).Find("router_shadow_classifier_rows_total", ("output", "scores"), ("result", "agreed")));
        // The copy carries the caller's request byte for byte and its metadata.
        Assert.Equal(Body("same-7"), V3.Bodies["same-7"]);
        Assert.Equal("acme", V3.RequestHeaders["same-7"]["x-tenant"]);
        Assert.Equal("1000m", V3.RequestHeaders["same-7"]["grpc-timeout"]);
        Assert.Equal(21, V1.Requests);
    }

    [Fact]
    public async Task DifferentOutput_Disagrees_AndIsLoggedWithTheRequestIdAndValues()
    {
        V1.ExtraOutput = V3.ExtraOutput = Scores();
        V1.ExtraOutputContents = Fp32(0.1f, 0.7f, 0.2f);
        V3.ExtraOutputContents = Fp32(0.1f, 0.2f, 0.7f);
        await using var router = await TestRouter.StartAsync(Config());

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, (await Client.CallRawAsync(router.GrpcUrl, Infer, Body($"diff-{i}"))).Status);
        }

        Assert.Equal(10, await WaitForShadowAsync(router, "disagreed", 10));
        var line = await router.Logs.WaitForAsync(Patience, "Shadow: model 'iris' version '3' disagrees with version '1' on request id 'diff-");
        Assert.Contains("output 'scores': 2 of 3 elements differ; first at element 1: 0.699999988079071 vs 0.20000000298023224", line, StringComparison.Ordinal);
        // "echo" (the request id) is the same on both: only "scores" disagrees. Rate-limited: far fewer lines than disagreements.
        Assert.DoesNotContain("output 'echo'", line, StringComparison.Ordinal);
        Assert.InRange(router.Logs.Lines.Count(l => l.Contains("Shadow: model 'iris'", StringComparison.Ordinal)), 1, 5);
        var scrape = await router.ScrapeAsync();
        Assert.Equal(10, scrape.Find("router_shadow_classifier_rows_total", ("output", "scores"), ("result", "disagreed")));
        Assert.Equal(10, scrape.Find("router_shadow_max_abs_difference_count", ("output", "scores")));
        // A string output has no numeric difference to record.
        Assert.Null(scrape.Find("router_shadow_max_abs_difference_count", ("output", "echo")));
    }

    [Fact]
    public async Task PercentZero_CopiesNothing()
    {
        await using var router = await TestRouter.StartAsync(Config(percent: 0));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(0, (await Client.CallRawAsync(router.GrpcUrl, Infer, Body($"none-{i}"))).Status);
        }

        Assert.Equal(0, V3.Requests);
        Assert.Null(await router.MetricAsync("router_shadow_requests_total{model=\"iris\",version=\"3\",primary=\"1\",result=\"sent\"}"));
    }

    public static TheoryData<string> BrokenShadows => ["down", "slow", "failing"];

    [Theory]
    [MemberData(nameof(BrokenShadows))]
    public async Task BrokenShadow_ChangesNothingForCallers(string how)
    {
        switch (how)
        {
            case "down":
                await V3.StopAsync();
                break;
            case "slow":
                // Beyond the copy's 1 s deadline.
                V3.ResponseDelay = TimeSpan.FromSeconds(5);
                break;
            default:
                V3.FailWith = 13;
                break;
        }

        await using var router = await TestRouter.StartAsync(Config());
        var calls = 30;
        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => Client.CallRawAsync(router.GrpcUrl, Infer, Body($"{how}-{i}"))));

        Assert.All(results, r =>
        {
            Assert.Equal(0, r.Status);
            Assert.Equal("control", r.Header(InferenceHeaders.ExperimentGroup));
            Assert.Equal("1", r.Header(InferenceHeaders.ModelVersion));
        });
        var failed = await WaitForShadowAsync(router, "failed", calls);
        Assert.Equal(calls, failed);
        Assert.Equal(calls, await router.MetricAsync("router_requests_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"control\",version=\"1\",grpc_code=\"OK\"}"));
    }

    [Fact]
    public async Task CopiesAboveTheBounds_AreDropped_AndCallersStillAnswered()
    {
        // One copy at a time, held by a slow shadow: the others are dropped.
        V3.ResponseDelay = TimeSpan.FromMilliseconds(800);
        await using var router = await TestRouter.StartAsync(Config(extra: """, "maxConcurrent": 1, "maxMessageBytes": 4096"""));

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Client.CallRawAsync(router.GrpcUrl, Infer, Body($"bound-{i}"))));
        // A body above maxMessageBytes is not copied either.
        var large = await Client.CallRawAsync(router.GrpcUrl, Infer, InferBodies.Random("large", 16 * 1024));

        Assert.All(results.Append(large), r => Assert.Equal(0, r.Status));
        var scrape = await router.ScrapeAsync();
        var sent = scrape.Find("router_shadow_requests_total", ("result", "sent")) ?? 0;
        var dropped = scrape.Find("router_shadow_requests_total", ("result", "dropped")) ?? 0;
        Assert.Equal(11, sent + dropped);
        Assert.True(dropped >= 2, $"{dropped} dropped, {sent} sent");
    }
}
