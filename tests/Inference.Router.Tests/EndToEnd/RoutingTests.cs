using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

public sealed class RoutingTests : IrisBackendTests
{
    private static ModelInferRequest Request(string version = "") => new() { ModelName = "iris", ModelVersion = version, Id = "req" };

    private static KeyValuePair<string, string>[] User(string key) => [new("x-user-id", key)];

    private static int ExpectedBucket(string key) => ContractBucket.Of("iris-v2-rollout", key);

    [Fact]
    public async Task Split_WithoutStickyHeader_ReachesBothVersionsAndTagsTruthfully()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 50, 50));
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < 120; i++)
        {
            var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
            Assert.Equal(0, result.Status);
            var answer = ModelInferResponse.Parser.ParseFrom(result.Payload);
            Assert.Equal(answer.ModelVersion, result.Header(InferenceHeaders.ModelVersion));
            Assert.Equal("iris", result.Header(InferenceHeaders.ModelName));
            Assert.Equal("iris-v2-rollout", result.Header(InferenceHeaders.Experiment));
            Assert.Equal(answer.ModelVersion == "1" ? "control" : "treatment", result.Header(InferenceHeaders.ExperimentGroup));
            versions[answer.ModelVersion] = versions.GetValueOrDefault(answer.ModelVersion) + 1;
        }

        // 120 fair coin flips: fewer than 20 on one side has probability below 1e-13.
        Assert.True(versions.GetValueOrDefault("1") >= 20 && versions.GetValueOrDefault("2") >= 20, $"split {versions.GetValueOrDefault("1")}/{versions.GetValueOrDefault("2")}");
    }

    [Fact]
    public async Task Sticky_SameKeySameGroup_OnTwoRouterInstances_AsTheContractSays()
    {
        var config = Configs.Iris([V1.Url], [V2.Url], 70, 30);
        await using var a = await TestRouter.StartAsync(config);
        await using var b = await TestRouter.StartAsync(config);
        for (var i = 0; i < 40; i++)
        {
            var key = $"user-{i}";
            var expected = ExpectedBucket(key) < 7000 ? "control" : "treatment";
            var fromA = await Client.CallAsync(a.GrpcUrl, Infer, Request(), User(key));
            var fromB = await Client.CallAsync(b.GrpcUrl, Infer, Request(), User(key));
            var again = await Client.CallAsync(a.GrpcUrl, Infer, Request(), User(key));
            Assert.Equal(expected, fromA.Header(InferenceHeaders.ExperimentGroup));
            Assert.Equal(expected, fromB.Header(InferenceHeaders.ExperimentGroup));
            Assert.Equal(expected, again.Header(InferenceHeaders.ExperimentGroup));
            Assert.Equal(expected == "control" ? "iris-1" : "iris-2", ModelInferResponse.Parser.ParseFrom(fromB.Payload).Id);
        }
    }

    [Fact]
    public async Task Override_PinsGroupEvenAtWeightZero_UnknownGroupIsInvalid()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var pinned = await Client.CallAsync(router.GrpcUrl, Infer, Request(), [new(InferenceHeaders.ExperimentGroup, "treatment")]);
        Assert.Equal((0, "treatment", "2"), (pinned.Status, pinned.Header(InferenceHeaders.ExperimentGroup), pinned.Header(InferenceHeaders.ModelVersion)));
        Assert.Equal("iris-2", ModelInferResponse.Parser.ParseFrom(pinned.Payload).Id);

        var unknown = await Client.CallAsync(router.GrpcUrl, Infer, Request(), [new(InferenceHeaders.ExperimentGroup, "nope")]);
        Assert.Equal(3, unknown.Status);
        Assert.Contains("no group 'nope'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("iris", unknown.Header(InferenceHeaders.ModelName));
    }

    [Fact]
    public async Task Override_Disallowed_IsIgnored()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0, allowOverride: false));
        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request(), [new(InferenceHeaders.ExperimentGroup, "treatment")]);
        Assert.Equal((0, "control", "1"), (result.Status, result.Header(InferenceHeaders.ExperimentGroup), result.Header(InferenceHeaders.ModelVersion)));
    }

    [Fact]
    public async Task VersionPin_BypassesExperiment_UnknownVersionIsNotFoundWithTags()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var pinned = await Client.CallAsync(router.GrpcUrl, Infer, Request("2"), User("someone"));
        Assert.Equal((0, InferenceHeaders.PinnedGroup, "2", "iris-v2-rollout"), (pinned.Status, pinned.Header(InferenceHeaders.ExperimentGroup), pinned.Header(InferenceHeaders.ModelVersion), pinned.Header(InferenceHeaders.Experiment)));
        Assert.Equal("iris-2", ModelInferResponse.Parser.ParseFrom(pinned.Payload).Id);

        var missing = await Client.CallAsync(router.GrpcUrl, Infer, Request("9"));
        Assert.Equal(5, missing.Status);
        Assert.Contains("model 'iris' has no version '9'", missing.Message, StringComparison.Ordinal);
        Assert.Equal(("iris", "9", InferenceHeaders.PinnedGroup), (missing.Header(InferenceHeaders.ModelName), missing.Header(InferenceHeaders.ModelVersion), missing.Header(InferenceHeaders.ExperimentGroup)));
    }

    [Fact]
    public async Task MetadataAndReady_AreRoutedByTheirNameField()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100));
        var metadata = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ModelMetadata", new ModelMetadataRequest { Name = "iris" });
        Assert.Equal(0, metadata.Status);
        Assert.Equal("2", Assert.Single(ModelMetadataResponse.Parser.ParseFrom(metadata.Payload).Versions));
        var ready = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ModelReady", new ModelReadyRequest { Name = "iris", Version = "1" });
        Assert.Equal((0, "1", InferenceHeaders.PinnedGroup), (ready.Status, ready.Header(InferenceHeaders.ModelVersion), ready.Header(InferenceHeaders.ExperimentGroup)));
        Assert.True(ModelReadyResponse.Parser.ParseFrom(ready.Payload).Ready);
    }

    [Fact]
    public async Task UpstreamError_KeepsStatusAndCarriesTags()
    {
        V1.FailWith = 13;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(13, result.Status);
        Assert.Contains("fails on purpose", result.Message, StringComparison.Ordinal);
        Assert.Equal(("iris", "1", "iris-v2-rollout", "control"), (result.Header(InferenceHeaders.ModelName), result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.Experiment), result.Header(InferenceHeaders.ExperimentGroup)));
        var metrics = await router.Admin.GetStringAsync("/metrics");
        Assert.Contains("grpc_code=\"INTERNAL\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequests_GetClearStatuses_AndTheRouterStaysHealthy()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        var unknown = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "tulip" });
        Assert.Equal(5, unknown.Status);
        Assert.Contains("model 'tulip'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("tulip", unknown.Header(InferenceHeaders.ModelName));

        var garbage = await Client.CallRawAsync(router.GrpcUrl, Infer, [0, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF]);
        // What the model server (Grpc.AspNetCore) answers a message it cannot decode.
        Assert.Equal(13, garbage.Status);
        Assert.StartsWith("Failed to deserialize the message.", garbage.Message, StringComparison.Ordinal);

        var empty = await Client.CallRawAsync(router.GrpcUrl, Infer, []);
        Assert.Equal(13, empty.Status);

        var noName = await Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { Id = "x" });
        Assert.Equal(3, noName.Status);
        Assert.Contains("names no model", noName.Message, StringComparison.Ordinal);

        var method = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/RepositoryIndex", new ServerLiveRequest());
        Assert.Equal(12, method.Status);

        var unsupported = await Client.CallRawAsync(router.GrpcUrl, Infer, GrpcTestClient.Frame([1, 2, 3], compressed: true), [new("grpc-encoding", "snappy")]);
        Assert.Equal(12, unsupported.Status);
        Assert.Contains("snappy", unsupported.Message, StringComparison.Ordinal);

        var fine = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(0, fine.Status);
    }

    [Fact]
    public async Task CallerCancellation_ReachesTheModelServer_AndIsCountedCancelled()
    {
        // A caller that gives up (its deadline passed, its user left) resets its stream; the model server must
        // see its call abandoned too instead of computing an answer nobody will read.
        V1.HoldTaggedCalls = true;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        using var cancel = new CancellationTokenSource();
        var call = Client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris", Id = "hold-cancel" }, cancellationToken: cancel.Token);
        await Wait.UntilAsync(() => V1.HeldCalls == 1, "the call to reach the model server", 30);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Wait.UntilAsync(() => V1.AbortedCalls == 1, "the model server's call to be abandoned", 30);
        const string Cancelled = "router_requests_total{experiment=\"iris-v2-rollout\",group=\"control\",grpc_code=\"CANCELLED\",model=\"iris\",version=\"1\"}";
        await Wait.UntilAsync(async () => await router.MetricAsync(Cancelled) == 1, "the call to be counted CANCELLED", 30);
        var counted = (await router.Admin.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("router_requests_total", StringComparison.Ordinal));
        Assert.Equal([Cancelled + " 1"], counted);
        V1.HoldTaggedCalls = false;
        Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
    }

    [Fact]
    public async Task CallerDeadline_TravelsToTheModelServer_AndItsExpiryAbandonsTheCallThere()
    {
        // The router adds no deadline of its own: grpc-timeout reaches the model server as sent, and when the caller's
        // deadline passes, its client resets the stream and the router's call to the model server is reset with it.
        V1.HoldTaggedCalls = true;
        V1.RecordBodies = true;
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(router.GrpcUrl);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        var call = client.ModelInferAsync(new ModelInferRequest { ModelName = "iris", Id = "hold-deadline" }, deadline: DateTime.UtcNow.AddSeconds(5));

        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await call);
        Assert.Equal(Grpc.Core.StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(V1.RequestHeaders.TryGetValue("hold-deadline", out var headers), "the call did not reach the model server");
        Assert.Matches("^[0-9]{1,8}[HMSmun]$", headers.GetValueOrDefault("grpc-timeout", ""));
        await Wait.UntilAsync(() => V1.AbortedCalls == 1, "the model server's call to be abandoned", 30);
        await Wait.UntilAsync(async () => await router.MetricAsync("router_requests_total{grpc_code=\"CANCELLED\",model=\"iris\",version=\"1\"}") == 1, "the call to be counted CANCELLED", 30);
    }

    [Fact]
    public async Task TwoRoutersInOneProcess_EachExportOnlyTheirOwnCounts()
    {
        await using var a = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        await using var b = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await Client.CallAsync(a.GrpcUrl, Infer, Request())).Status);
        }

        Assert.Equal(0, (await Client.CallAsync(b.GrpcUrl, Infer, Request())).Status);

        var fromA = await a.ScrapeAsync();
        var fromB = await b.ScrapeAsync();
        Assert.Equal(3, fromA.Sum("router_requests_total"));
        Assert.Equal(3, fromA.Find("router_requests_total", ("version", "1")));
        Assert.Equal(1, fromB.Sum("router_requests_total"));
        Assert.Equal(1, fromB.Find("router_requests_total", ("version", "2")));
        Assert.Equal(100, fromA.Find("router_weight", ("group", "control")));
        Assert.Equal(0, fromB.Find("router_weight", ("group", "control")));
    }

    [Fact]
    public async Task GzipCompressedRequest_IsPeekedAndForwardedUnchanged()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Request("2").ToByteArray());
        }

        var result = await Client.CallRawAsync(router.GrpcUrl, Infer, GrpcTestClient.Frame(compressed.ToArray(), compressed: true), [new("grpc-encoding", "gzip")]);
        Assert.Equal((0, "2", InferenceHeaders.PinnedGroup), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Equal("iris-2", ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
    }

    [Fact]
    public async Task ServerLiveReadyMetadataAndHealth_AreAnsweredByTheRouter()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        var live = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ServerLive", new ServerLiveRequest());
        Assert.True(ServerLiveResponse.Parser.ParseFrom(live.Payload).Live);
        var ready = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ServerReady", new ServerReadyRequest());
        Assert.True(ServerReadyResponse.Parser.ParseFrom(ready.Payload).Ready);
        var metadata = await Client.CallAsync(router.GrpcUrl, "/inference.GRPCInferenceService/ServerMetadata", new ServerMetadataRequest());
        Assert.Equal("inference-router", ServerMetadataResponse.Parser.ParseFrom(metadata.Payload).Name);
        Assert.Equal(0, V1.Requests + V2.Requests);

        var health = await Client.CallRawAsync(router.GrpcUrl, "/grpc.health.v1.Health/Check", [0, 0, 0, 0, 0]);
        Assert.Equal(0, health.Status);
        Assert.Equal([0x08, 1], health.Payload);
        var model = await Client.CallRawAsync(router.GrpcUrl, "/grpc.health.v1.Health/Check", GrpcTestClient.Frame([0x0A, 4, (byte)'i', (byte)'r', (byte)'i', (byte)'s']));
        Assert.Equal(0, model.Status);
        Assert.Equal([0x08, 1], model.Payload);
        var unknown = await Client.CallRawAsync(router.GrpcUrl, "/grpc.health.v1.Health/Check", GrpcTestClient.Frame([0x0A, 1, (byte)'x']));
        Assert.Equal(5, unknown.Status);
    }

    [Fact]
    public async Task HealthCheck_ForTheInferenceService_AnswersForTheRouter_NotServingWhileStopping()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        async Task<(int Status, byte[]? Payload)> CheckAsync(string service)
        {
            // HealthCheckRequest { string service = 1; }
            var name = Encoding.UTF8.GetBytes(service);
            var result = await Client.CallRawAsync(router.GrpcUrl, "/grpc.health.v1.Health/Check", GrpcTestClient.Frame([0x0A, (byte)name.Length, .. name]));
            return (result.Status, result.Payload);
        }

        async Task<byte[]?> PayloadAsync(string service)
        {
            var (status, payload) = await CheckAsync(service);
            Assert.Equal(0, status);
            return payload;
        }

        // HealthCheckResponse { status = 1 (SERVING) | 2 (NOT_SERVING) }
        byte[] serving = [0x08, 1];
        byte[] notServing = [0x08, 2];
        Assert.Equal(serving, await PayloadAsync("inference.GRPCInferenceService"));
        Assert.Equal(serving, await PayloadAsync(""));
        Assert.Equal(5, (await CheckAsync("grpc.health.v1.Health")).Status);
        Assert.Equal(5, (await CheckAsync("inference.GRPCInferenceServic")).Status);

        // What the host does when shutdown begins (SIGTERM): the gRPC port still answers during the drain.
        ((Inference.Router.Hosting.RouterReadiness)router.Host.Services.GetService(typeof(Inference.Router.Hosting.RouterReadiness))!).Stopping();

        Assert.Equal(notServing, await PayloadAsync("inference.GRPCInferenceService"));
        Assert.Equal(notServing, await PayloadAsync(""));
        Assert.Equal(notServing, await PayloadAsync("iris"));
        Assert.Equal(0, V1.Requests + V2.Requests);
    }

    [Fact]
    public async Task VersionMismatch_TagsTheVersionThatAnswered_KeepsTheGroup_AndCountsIt()
    {
        // Version 1's endpoint is really a version 2 server: the tag must say who served the call.
        await using var router = await TestRouter.StartAsync(Configs.Iris([V2.Url], [V2.Url], 100, 0));
        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal((0, "2", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        Assert.Equal("2", ModelInferResponse.Parser.ParseFrom(result.Payload).ModelVersion);
        var line = await router.Logs.WaitForAsync(TimeSpan.FromSeconds(10), "answered as version '2'", "version '1' was chosen");
        Assert.StartsWith("Warning:", line, StringComparison.Ordinal);
        Assert.Equal(1, await router.MetricAsync("router_version_mismatch_total{actual=\"2\",expected=\"1\",model=\"iris\"}"));
        // The request counter names the version that served it, under the group it was assigned to.
        Assert.Equal(1, await router.MetricAsync("router_requests_total{experiment=\"iris-v2-rollout\",group=\"control\",grpc_code=\"OK\",model=\"iris\",version=\"2\"}"));
        Assert.Null(await router.MetricAsync("router_requests_total{experiment=\"iris-v2-rollout\",group=\"control\",grpc_code=\"OK\",model=\"iris\",version=\"1\"}"));
    }

    [Fact]
    public async Task VersionMismatch_WithAnUnconfiguredVersion_IsTaggedAsReported_AndLabelledOther()
    {
        V1.ReportedVersion = "1-rogue";
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        for (var i = 0; i < 3; i++)
        {
            var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
            Assert.Equal((0, "1-rogue", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
        }

        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(10), "answered as version '1-rogue'");
        // Whatever a server reports, the metric labels stay within the configured versions plus "other".
        Assert.Equal(3, await router.MetricAsync("router_version_mismatch_total{actual=\"other\",expected=\"1\",model=\"iris\"}"));
        Assert.Equal(3, await router.MetricAsync("router_requests_total{experiment=\"iris-v2-rollout\",group=\"control\",grpc_code=\"OK\",model=\"iris\",version=\"other\"}"));
        Assert.DoesNotContain("1-rogue", await router.Admin.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ExposeRequestsWeightsAndRevision()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
        var metrics = await router.Admin.GetStringAsync("/metrics");
        Assert.Contains("router_requests_total{experiment=\"iris-v2-rollout\",group=\"control\",grpc_code=\"OK\",model=\"iris\",version=\"1\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("router_weight{experiment=\"iris-v2-rollout\",group=\"treatment\",model=\"iris\"} 0", metrics, StringComparison.Ordinal);
        Assert.Equal(1, await router.MetricAsync("router_config_revision"));
        Assert.Contains("router_request_duration_seconds_count{", metrics, StringComparison.Ordinal);
    }
}
