using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference.Contracts.Oip;
using Inference.Router.Hosting;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// The calls the router answers itself, through the generated gRPC clients: the server-level OIP calls and
/// grpc.health.v1 Check and Watch; and which port answers what.
/// </summary>
public sealed class RouterServicesTests : IrisBackendTests
{
    private const int Patience = 30;

    // So long that no periodic Check runs: endpoint health comes from the backends' Watch streams.
    private const string WatchOnly = """{"healthCheckIntervalSeconds": 3600}""";

    private static GrpcChannel Channel(TestRouter router) => GrpcChannel.ForAddress(router.GrpcUrl);

    [Fact]
    public async Task ServerLiveReadyAndMetadata_AnswerForTheRouter_WithoutReachingAModelServer()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        using var channel = Channel(router);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        var metadata = await client.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Equal("inference-router", metadata.Name);
        Assert.False(string.IsNullOrEmpty(metadata.Version));
        Readiness(router).Stopping();
        Assert.False((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.Equal(0, V1.Requests + V2.Requests);
    }

    [Fact]
    public async Task Check_AnswersForTheRouter_ForAModel_AndNotFoundForAnythingElse()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], extra: WatchOnly));
        using var channel = Channel(router);
        var health = new Health.HealthClient(channel);

        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "inference.GRPCInferenceService" })).Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "iris" })).Status);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "tulip" }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        // Every endpoint of the model failing its health checks: the model is not serving, the router still is.
        await Wait.UntilAsync(() => V1.OpenWatches == 1 && V2.OpenWatches == 1, "the router to watch both model servers", Patience);
        V1.Serving = false;
        V2.Serving = false;
        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(Patience), V2.Url, "is now unhealthy");
        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(Patience), V1.Url, "is now unhealthy");
        Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "iris" })).Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task WatchOfAModel_FollowsWhetherItHasAHealthyEndpoint()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], extra: WatchOnly));
        await Wait.UntilAsync(() => V1.OpenWatches == 1 && V2.OpenWatches == 1, "the router to watch both model servers", Patience);
        using var channel = Channel(router);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "iris" });
        var statuses = watch.ResponseStream;

        Assert.Equal(ServingStatus.Serving, await NextAsync(statuses));
        // One version's endpoints down is not enough: the model still has a healthy endpoint.
        V1.Serving = false;
        await router.Logs.WaitForAsync(TimeSpan.FromSeconds(Patience), V1.Url, "is now unhealthy");
        Assert.Equal(ServingStatus.Serving, (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "iris" })).Status);
        V2.Serving = false;
        Assert.Equal(ServingStatus.NotServing, await NextAsync(statuses));
        V1.Serving = true;
        Assert.Equal(ServingStatus.Serving, await NextAsync(statuses));
    }

    [Fact]
    public async Task WatchOfAnUnknownService_SaysServiceUnknown_UntilAConfigurationAddsIt()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], extra: WatchOnly));
        using var channel = Channel(router);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "tulip" });

        Assert.Equal(ServingStatus.ServiceUnknown, await NextAsync(watch.ResponseStream));
        var config = System.Text.Json.Nodes.JsonNode.Parse(Configs.Iris([V1.Url], [V2.Url], extra: WatchOnly))!;
        config["models"]!["tulip"] = new System.Text.Json.Nodes.JsonObject
        {
            ["versions"] = new System.Text.Json.Nodes.JsonObject { ["1"] = new System.Text.Json.Nodes.JsonObject { ["endpoints"] = new System.Text.Json.Nodes.JsonArray(V1.Url) } },
        };
        await router.ReplaceConfigAsync(config.ToJsonString());

        Assert.Equal(ServingStatus.Serving, await NextAsync(watch.ResponseStream));
    }

    [Fact]
    public async Task WatchOfTheRouter_TurnsNotServingWhenShutdownBegins_AndEndsOnceDrained()
    {
        var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], extra: WatchOnly));
        try
        {
            using var channel = Channel(router);
            using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "inference.GRPCInferenceService" });
            Assert.Equal(ServingStatus.Serving, await NextAsync(watch.ResponseStream));

            var stopping = router.Host.StopAsync();

            Assert.Equal(ServingStatus.NotServing, await NextAsync(watch.ResponseStream));
            Assert.False(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(Patience)), "the Watch stream did not end");
            Assert.Equal(StatusCode.OK, watch.GetStatus().StatusCode);
            await stopping.WaitAsync(TimeSpan.FromSeconds(Patience));
        }
        finally
        {
            await router.DisposeAsync();
        }
    }

    [Fact]
    public async Task EachPort_AnswersOnlyForItself()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));

        // The admin API is not reachable on the gRPC port (without a token the admin port is loopback-only)...
        var adminOnGrpc = await Client.CallAsync(router.GrpcUrl, "/admin/models/iris/experiment/rollback", new ServerLiveRequest());
        Assert.Equal(12, adminOnGrpc.Status);
        Assert.Equal(1, router.Revision);
        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http2.GetAsync(router.GrpcUrl + "/admin/models")).StatusCode);

        // ...and gRPC is not answered on the admin port.
        using var admin = new HttpClient();
        using var live = new HttpRequestMessage(HttpMethod.Post, router.Host.AdminUrl + "/inference.GRPCInferenceService/ServerLive") { Content = new ByteArrayContent(new byte[5]) };
        live.Content.Headers.ContentType = new("application/grpc");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(live)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(router.Host.AdminUrl + "/readyz")).StatusCode);
    }

    private static RouterReadiness Readiness(TestRouter router) => (RouterReadiness)router.Host.Services.GetService(typeof(RouterReadiness))!;

    private static async Task<ServingStatus> NextAsync(IAsyncStreamReader<HealthCheckResponse> statuses)
    {
        Assert.True(await statuses.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(Patience)), "the Watch stream ended");
        return statuses.Current.Status;
    }
}
