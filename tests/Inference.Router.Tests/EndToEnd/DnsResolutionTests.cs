using System.Net;
using System.Net.Sockets;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>
/// A DNS name (a headless Service) whose answer changes between refreshes: pods come and go, traffic
/// follows, and a call already on a pod that left the answer finishes there.
/// </summary>
public sealed class DnsResolutionTests : IAsyncLifetime
{
    private const string Infer = "/inference.GRPCInferenceService/ModelInfer";
    private const string Name = "iris-v1-headless.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly GrpcTestClient _client = new();
    private FakeOipBackend _a = null!;
    private FakeOipBackend _b = null!;
    private FakeOipBackend _v2 = null!;
    private volatile IPAddress[] _answer = [];
    private int _lookups;

    public async Task InitializeAsync()
    {
        // Two pods behind one name: one port, two addresses.
        _a = await FakeOipBackend.StartAsync("iris", "1", "pod-a", address: IPAddress.Parse("127.0.0.2"));
        _b = await FakeOipBackend.StartAsync("iris", "1", "pod-b", port: _a.Port, address: IPAddress.Parse("127.0.0.3"));
        _v2 = await FakeOipBackend.StartAsync("iris", "2");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _v2.DisposeAsync();
    }

    private Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lookups);
        return host == Name ? Task.FromResult(_answer) : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }

    [Fact]
    public async Task ChangingAnswer_AddsAndRemovesEndpoints_TrafficFollows_InFlightCallsFinish()
    {
        _answer = [_a.Address];
        await using var router = await TestRouter.StartAsync(
            Configs.Iris([$"http://{Name}:{_a.Port}"], [_v2.Url], 100, 0, extra: """{"dnsRefreshSeconds": 0.2}"""),
            resolve: ResolveAsync);
        Assert.All(await CallManyAsync(router, 10), pod => Assert.Equal("pod-a", pod));
        var endpoint = Assert.Single(Endpoints(await router.GetModelsAsync()));
        Assert.Equal(($"http://127.0.0.2:{_a.Port}", $"{Name}:{_a.Port}"), (endpoint.GetProperty("address").GetString(), endpoint.GetProperty("authority").GetString()));

        // A call in flight on pod a when the name stops answering with it.
        _a.HoldTaggedCalls = true;
        var held = _client.CallContentAsync(router.GrpcUrl, Infer, new ByteArrayContent(GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", Id = "hold-dns" })), timeout: TimeSpan.FromMinutes(2));
        await Wait.UntilAsync(() => _a.HeldCalls == 1, "the held call to reach pod a", (int)Patience.TotalSeconds);

        _answer = [_b.Address];
        await router.Logs.WaitForAsync(Patience, "Endpoints of model 'iris' version '1':", $"http://127.0.0.3:{_a.Port}");
        Assert.Equal($"http://127.0.0.3:{_a.Port}", Assert.Single(Endpoints(await router.GetModelsAsync())).GetProperty("address").GetString());
        var before = _a.Requests;
        Assert.All(await CallManyAsync(router, 20), pod => Assert.Equal("pod-b", pod));
        Assert.Equal(before, _a.Requests);

        _a.HoldTaggedCalls = false;
        var finished = await held;
        Assert.Equal((0, "1"), (finished.Status, finished.Header(InferenceHeaders.ModelVersion)));
        Assert.Equal("pod-a", ModelInferResponse.Parser.ParseFrom(finished.Payload).Id);

        // Pod a is back, next to pod b.
        _answer = [_a.Address, _b.Address];
        await router.Logs.WaitForAsync(Patience, "Endpoints of model 'iris' version '1':", $"http://127.0.0.2:{_a.Port}, http://127.0.0.3:{_a.Port}");
        var pods = await CallManyAsync(router, 60);
        Assert.Contains("pod-a", pods);
        Assert.Contains("pod-b", pods);
        Assert.Equal(2, Endpoints(await router.GetModelsAsync()).Count());
        Assert.Equal(0, _v2.Requests);
        Assert.True(Volatile.Read(ref _lookups) >= 3);
    }

    private static IEnumerable<System.Text.Json.JsonElement> Endpoints(System.Text.Json.JsonElement models) =>
        models.GetProperty("models").GetProperty("iris").GetProperty("versions").GetProperty("1").GetProperty("endpoints").EnumerateArray();

    private async Task<List<string>> CallManyAsync(TestRouter router, int count)
    {
        var pods = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var result = await _client.CallAsync(router.GrpcUrl, Infer, new ModelInferRequest { ModelName = "iris", Id = "r" });
            Assert.Equal(0, result.Status);
            pods.Add(ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        }

        return pods;
    }
}
