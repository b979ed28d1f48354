using System.Net;
using System.Text.Json;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

public sealed class OperationsTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static ModelInferRequest Request() => new() { ModelName = "iris", Id = "req" };

    private static JsonElement Weights(JsonElement models) => models.GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights");

    /// <summary>Runs <paramref name="workers"/> loops of <paramref name="perWorker"/> calls; returns every result.</summary>
    private async Task<List<GrpcCallResult>> LoadAsync(string url, int workers, int perWorker, Func<int, Task>? atProgress = null)
    {
        var results = new List<GrpcCallResult>();
        var done = 0;
        var tasks = Enumerable.Range(0, workers).Select(async w =>
        {
            for (var i = 0; i < perWorker; i++)
            {
                var result = await Client.CallAsync(url, Infer, Request(), [new("x-user-id", $"user-{w}-{i}")]);
                lock (results)
                {
                    results.Add(result);
                }

                var count = Interlocked.Increment(ref done);
                if (atProgress is not null)
                {
                    await atProgress(count);
                }
            }
        });
        await Task.WhenAll(tasks);
        return results;
    }

    [Fact]
    public async Task WeightChangeAndRollback_UnderLoad_NoFailedRequest()
    {
        const string experiment = "iris-v2-rollout";
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 90, 10));

        // Two calls kept in flight across both changes: a treatment user on version 2 (the rollback moves
        // that user to control) and a control user on version 1.
        V1.HoldTaggedCalls = true;
        V2.HoldTaggedCalls = true;
        var heldTreatment = HeldCallAsync(router, ContractBucket.FindKey(experiment, "held-", b => b >= 9000));
        var heldControl = HeldCallAsync(router, ContractBucket.FindKey(experiment, "held-", b => b < 5000));
        await UntilAsync(() => V1.HeldCalls == 1 && V2.HeldCalls == 1, "both held calls to reach their version");

        // Phases: 0 before the change, 1 while the PUT is in progress, 2 once it answered, 3 while the
        // rollback is in progress, 4 once it answered. A call is checked against the phase it ran in.
        long phase = 0;
        await using var load = new ContinuousLoad(Client, router.GrpcUrl, workers: 4, () => Interlocked.Read(ref phase), (w, i) => $"user-{w}-{i}");
        static IEnumerable<LoadCall> Within(IReadOnlyList<LoadCall> calls, long p) => calls.Where(c => c.StartPhase == p && c.EndPhase == p);
        static bool BothVersions(IEnumerable<LoadCall> calls) => calls.Any(c => c.Version == "1") && calls.Any(c => c.Version == "2");
        await load.UntilAsync(calls => Within(calls, 0).Count() >= 40 && BothVersions(Within(calls, 0)), "calls on both versions before the change", Patience);

        Interlocked.Exchange(ref phase, 1);
        var change = await router.PutWeightsAsync("iris", """{"control": 50, "treatment": 50}""");
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Interlocked.Exchange(ref phase, 2);
        // Including users the change moved: their buckets were control's at 90/10 and are treatment's at 50/50.
        await load.UntilAsync(
            calls => Within(calls, 2).Count() >= 60 && BothVersions(Within(calls, 2)) && Within(calls, 2).Any(c => ContractBucket.Of(experiment, c.User) is >= 5000 and < 9000),
            "calls on both versions after the change, one from a moved user",
            Patience);

        Interlocked.Exchange(ref phase, 3);
        Assert.Equal(HttpStatusCode.OK, (await router.RollbackAsync("iris")).StatusCode);
        Interlocked.Exchange(ref phase, 4);
        await load.UntilAsync(calls => Within(calls, 4).Count() >= 40, "calls after the rollback", Patience);
        var results = await load.StopAsync();

        // The held calls were in flight through both changes and finish on the version they started on.
        Assert.False(heldTreatment.IsCompleted || heldControl.IsCompleted, "a held call finished before it was released");
        V1.HoldTaggedCalls = false;
        V2.HoldTaggedCalls = false;
        var treatment = await heldTreatment;
        var control = await heldControl;
        Assert.Equal((0, "treatment", "2", "iris-2"), (treatment.Status, treatment.Header(InferenceHeaders.ExperimentGroup), treatment.Header(InferenceHeaders.ModelVersion), ModelInferResponse.Parser.ParseFrom(treatment.Payload).Id));
        Assert.Equal((0, "control", "1", "iris-1"), (control.Status, control.Header(InferenceHeaders.ExperimentGroup), control.Header(InferenceHeaders.ModelVersion), ModelInferResponse.Parser.ParseFrom(control.Payload).Id));

        Assert.All(results, r => Assert.True(r.Result.Status == 0, $"{r.User} failed in phase {r.StartPhase}-{r.EndPhase}: {r.Result.Status} {r.Result.Message}"));
        // Every call that ran inside one phase was assigned by that phase's weights (the contract, computed here).
        string Expected(string user, long p) => p switch
        {
            0 => ContractBucket.Of(experiment, user) < 9000 ? "control" : "treatment",
            2 => ContractBucket.Of(experiment, user) < 5000 ? "control" : "treatment",
            _ => "control",
        };
        foreach (var p in new long[] { 0, 2, 4 })
        {
            Assert.All(Within(results, p), r => Assert.Equal((Expected(r.User, p), Expected(r.User, p) == "control" ? "1" : "2"), (r.Group, r.Version)));
        }

        var weights = Weights(await router.GetModelsAsync());
        Assert.Equal((100m, 0m), (weights.GetProperty("control").GetDecimal(), weights.GetProperty("treatment").GetDecimal()));
        await router.Logs.WaitForAsync(Patience, "audit:", "action=rollback", "model=iris", "before={control:50,treatment:50}", "after={control:100,treatment:0}", "who=token:");
        var metrics = await router.Admin.GetStringAsync("/metrics");
        Assert.Contains("router_admin_changes_total{action=\"rollback\",model=\"iris\",result=\"applied\"} 1", metrics, StringComparison.Ordinal);
    }

    private Task<GrpcCallResult> HeldCallAsync(TestRouter router, string user) =>
        Client.CallContentAsync(router.GrpcUrl, Infer, new ByteArrayContent(GrpcTestClient.Frame(new ModelInferRequest { ModelName = "iris", Id = "hold-" + user })),
            [new("x-user-id", user)], timeout: TimeSpan.FromMinutes(3));

    private static Task UntilAsync(Func<bool> condition, string what) => Wait.UntilAsync(condition, what, (int)Patience.TotalSeconds);

    [Fact]
    public async Task ReplicaStopped_UnderLoad_NoFailedRequest()
    {
        await using var second = await FakeOipBackend.StartAsync("iris", "1", replica: "iris-1-b");
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url, second.Url], [V2.Url], 100, 0));
        Task? stopping = null;
        var results = await LoadAsync(router.GrpcUrl, workers: 4, perWorker: 100, atProgress: count =>
        {
            if (count == 100)
            {
                stopping = StopLikeTheModelServerAsync(second, router);
            }

            return Task.CompletedTask;
        });
        await stopping!;
        Assert.All(results, r => Assert.Equal(0, r.Status));
        Assert.True(second.Requests > 0, "the second replica got no traffic before it stopped");
        var last = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal("iris-1", ModelInferResponse.Parser.ParseFrom(last.Payload).Id);
    }

    /// <summary>
    /// The model server's SIGTERM: NOT_SERVING pushed to health watchers at once, serving on for its drain
    /// delay (until the router has taken it out here), then in-flight calls finish and connections close.
    /// A replica that closes with calls already on the wire is the SIGKILL case of the end-to-end tests.
    /// </summary>
    private static async Task StopLikeTheModelServerAsync(FakeOipBackend replica, TestRouter router)
    {
        replica.Serving = false;
        await router.Logs.WaitForAsync(Patience, replica.Url, "is now unhealthy");
        await replica.StopAsync();
    }

    [Fact]
    public async Task RefusedEndpoint_IsRetriedOnTheSameVersionAndEjected()
    {
        var closed = ClosedPort.Number();
        await using var router = await TestRouter.StartAsync(Configs.Iris([$"http://127.0.0.1:{closed}", V1.Url], [V2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0, "ejectionSeconds": 60}"""));
        for (var i = 0; i < 20; i++)
        {
            var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
            Assert.Equal((0, "1"), (result.Status, result.Header(InferenceHeaders.ModelVersion)));
        }

        Assert.Equal(0, V2.Requests);
        await router.Logs.WaitForAsync(Patience, $"127.0.0.1:{closed}", "ejected");
        var endpoints = (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("versions").GetProperty("1").GetProperty("endpoints");
        Assert.Contains(endpoints.EnumerateArray(), e => e.GetProperty("address").GetString() == $"http://127.0.0.1:{closed}" && e.GetProperty("ejected").GetBoolean());
    }

    [Fact]
    public async Task NoHealthyEndpoint_IsUnavailableNamingModelAndVersion()
    {
        var closed = ClosedPort.Number();
        // Without the fallback to control (TreatmentOutageTests), the assigned version's failure is the answer.
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [$"http://127.0.0.1:{closed}"], 0, 100, extra: """{"healthCheckIntervalSeconds": 0}""", fallbackToControl: false));
        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(14, result.Status);
        Assert.Contains("model 'iris' version '2'", result.Message, StringComparison.Ordinal);
        Assert.Equal(("iris", "2", "treatment"), (result.Header(InferenceHeaders.ModelName), result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));

        // Ejected now, but nothing says it is unhealthy (no health checks here): panic mode tries it
        // again rather than failing the version for the whole ejection time. It is still refused.
        var next = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(14, next.Status);
        Assert.Contains("model 'iris' version '2'", next.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", next.Message, StringComparison.Ordinal);
        await router.Logs.WaitForAsync(Patience, "No endpoint of model 'iris' version '2' is available", "panic mode");
        Assert.Equal(1, await router.MetricAsync("router_panic_requests_total{model=\"iris\",version=\"2\"}"));
        Assert.Equal(0, V1.Requests);
    }

    [Fact]
    public async Task EjectedOnlyReplica_ThatPassesItsHealthChecks_StillServes_PanicMode()
    {
        // The version's only replica refuses one connection (as during a restart) and is ejected for
        // ten minutes; once it listens again it serves at once instead of the version staying UNAVAILABLE.
        var port = ClosedPort.Number();
        await using var router = await TestRouter.StartAsync(Configs.Iris([$"http://127.0.0.1:{port}"], [V2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0, "ejectionSeconds": 600}"""));
        var refused = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal((14, "1"), (refused.Status, refused.Header(InferenceHeaders.ModelVersion)));
        await router.Logs.WaitForAsync(Patience, $"127.0.0.1:{port}", "ejected for 600s");

        await using var restarted = await FakeOipBackend.StartAsync("iris", "1", replica: "iris-1-restarted", port: port);
        for (var i = 0; i < 3; i++)
        {
            var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
            Assert.Equal((0, "1", "control"), (result.Status, result.Header(InferenceHeaders.ModelVersion), result.Header(InferenceHeaders.ExperimentGroup)));
            Assert.Equal("iris-1-restarted", ModelInferResponse.Parser.ParseFrom(result.Payload).Id);
        }

        Assert.Equal(0, V2.Requests);
        await router.Logs.WaitForAsync(Patience, "No endpoint of model 'iris' version '1' is available", "panic mode");
        Assert.Equal(3, await router.MetricAsync("router_panic_requests_total{model=\"iris\",version=\"1\"}"));
        var version = (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("versions").GetProperty("1");
        Assert.True(version.GetProperty("panic").GetBoolean());
        var endpoint = Assert.Single(version.GetProperty("endpoints").EnumerateArray());
        Assert.Equal((true, true, false), (endpoint.GetProperty("healthy").GetBoolean(), endpoint.GetProperty("ejected").GetBoolean(), endpoint.GetProperty("available").GetBoolean()));
    }

    [Fact]
    public async Task FailingHealthCheck_TakesTheEndpointOutOfRotation()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        V1.Serving = false;
        await router.Logs.WaitForAsync(Patience, V1.Url, "is now unhealthy");
        var result = await Client.CallAsync(router.GrpcUrl, Infer, Request());
        Assert.Equal(14, result.Status);
        Assert.Contains("no healthy endpoint for model 'iris' version '1'", result.Message, StringComparison.Ordinal);
        V1.Serving = true;
        await router.Logs.WaitForAsync(Patience, V1.Url, "is now healthy");
        Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
    }

    [Fact]
    public async Task DnsNameEndpoint_ResolvesToAddressesAndKeepsTheAuthority()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([$"http://localhost:{V1.Port}"], [V2.Url], 100, 0));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0, (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Status);
        }

        var endpoints = (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("versions").GetProperty("1").GetProperty("endpoints");
        Assert.Contains(endpoints.EnumerateArray(), e =>
            e.GetProperty("address").GetString() == $"http://127.0.0.1:{V1.Port}" && e.GetProperty("authority").GetString() == $"localhost:{V1.Port}");
    }

    [Fact]
    public async Task ConfigReload_GoodFileApplies_BadFileIsRejectedAndTheRunningConfigStays()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        Assert.Equal("1", (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Header(InferenceHeaders.ModelVersion));

        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100));
        await router.Logs.WaitForAsync(Patience, "Routing revision 2 published", "reloaded");
        Assert.Equal("2", (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Header(InferenceHeaders.ModelVersion));

        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 0, 0));
        var line = await router.Logs.WaitForAsync(Patience, "rejected, keeping the running configuration");
        Assert.Contains("all weights are zero", line, StringComparison.Ordinal);
        Assert.Equal(2, router.Revision);
        Assert.Equal("2", (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Header(InferenceHeaders.ModelVersion));
        Assert.Contains("router_config_reloads_total{result=\"rejected\"} 1", await router.Admin.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigReloads_UnderContinuousLoad_FailNoCall_AndEachAppliesToTheCallsAfterIt()
    {
        await using var secondV2 = await FakeOipBackend.StartAsync("iris", "2", replica: "iris-2-b");
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 100, 0));
        // The phase of a call is the routing revision: a call that started and ended under one revision was routed by it.
        await using var load = new ContinuousLoad(Client, router.GrpcUrl, workers: 4, () => router.Revision, (w, i) => $"user-{w}-{i}");
        static IEnumerable<LoadCall> Under(IReadOnlyList<LoadCall> calls, long revision) => calls.Where(c => c.StartPhase == revision && c.EndPhase == revision);
        static string Replica(LoadCall call) => ModelInferResponse.Parser.ParseFrom(call.Result.Payload).Id;
        await load.UntilAsync(calls => Under(calls, 1).Count() >= 30, "calls under revision 1", Patience);

        // 2: everyone to version 2.
        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 0, 100));
        await load.UntilAsync(calls => Under(calls, 2).Count() >= 30, "calls under revision 2", Patience);

        // 3: a second replica of version 2, and a 50/50 split.
        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url, secondV2.Url], 50, 50));
        await load.UntilAsync(calls => Under(calls, 3).Count() >= 60 && Under(calls, 3).Any(c => c.Version == "2" && Replica(c) == "iris-2-b"), "calls under revision 3 reaching the new replica", Patience);

        // An invalid file changes nothing.
        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 0, 0));
        await router.Logs.WaitForAsync(Patience, "rejected, keeping the running configuration");
        Assert.Equal(3, router.Revision);

        // 4: version 2's first replica leaves the configuration while calls run on it.
        await router.ReplaceConfigAsync(Configs.Iris([V1.Url], [secondV2.Url], 0, 100));
        await load.UntilAsync(calls => Under(calls, 4).Count() >= 30, "calls under revision 4", Patience);
        var results = await load.StopAsync();

        Assert.All(results, r => Assert.True(r.Result.Status == 0, $"{r.User} failed under revisions {r.StartPhase}-{r.EndPhase}: {r.Result.Status} {r.Result.Message}"));
        Assert.All(Under(results, 1), r => Assert.Equal(("1", "iris-1"), (r.Version, Replica(r))));
        Assert.All(Under(results, 2), r => Assert.Equal(("2", "iris-2"), (r.Version, Replica(r))));
        Assert.All(Under(results, 3), r => Assert.Equal(ContractBucket.Of("iris-v2-rollout", r.User) < 5000 ? "1" : "2", r.Version));
        Assert.All(Under(results, 4), r => Assert.Equal(("2", "iris-2-b"), (r.Version, Replica(r))));
        Assert.Equal(4, router.Revision);
    }

    [Fact]
    public async Task ConfigReload_ThroughASymlinkSwap_LikeAConfigMap()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        Directory.CreateDirectory(Path.Combine(directory, "data-1"));
        File.WriteAllText(Path.Combine(directory, "data-1", "router.json"), Configs.Iris([V1.Url], [V2.Url], 100, 0));
        File.CreateSymbolicLink(Path.Combine(directory, "..data"), "data-1");
        File.CreateSymbolicLink(Path.Combine(directory, "router.json"), Path.Combine("..data", "router.json"));
        await using var router = await TestRouter.StartAsync("", directory: directory);
        Assert.Equal("1", (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Header(InferenceHeaders.ModelVersion));

        Directory.CreateDirectory(Path.Combine(directory, "data-2"));
        File.WriteAllText(Path.Combine(directory, "data-2", "router.json"), Configs.Iris([V1.Url], [V2.Url], 0, 100));
        File.CreateSymbolicLink(Path.Combine(directory, "..data_tmp"), "data-2");
        // rename(2) over the old link, as the kubelet does; File.Move follows links to directories.
        Assert.Equal(0, Rename(Path.Combine(directory, "..data_tmp"), Path.Combine(directory, "..data")));
        await router.Logs.WaitForAsync(Patience, "Routing revision 2 published");
        Assert.Equal("2", (await Client.CallAsync(router.GrpcUrl, Infer, Request())).Header(InferenceHeaders.ModelVersion));
    }

    [Fact]
    public async Task StateFile_KeepsAdminWeightsAcrossRestart_UntilTheFileChangesTheExperiment()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        var state = Path.Combine(directory, "state", "router-state.json");
        var config = Configs.Iris([V1.Url], [V2.Url], 90, 10);
        await using (var first = await TestRouter.StartAsync(config, directory: directory, stateFile: state))
        {
            var response = await first.PutWeightsAsync("iris", """{"treatment": 30, "control": 70}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(10m, body.GetProperty("before").GetProperty("treatment").GetDecimal());
            Assert.Equal(30m, body.GetProperty("after").GetProperty("treatment").GetDecimal());
        }

        Assert.True(File.Exists(state));
        await using (var second = await TestRouter.StartAsync(config, directory: directory, stateFile: state))
        {
            var models = await second.GetModelsAsync();
            Assert.Equal(30m, Weights(models).GetProperty("treatment").GetDecimal());
            Assert.Equal("admin", models.GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weightsSource").GetString());

            // A file change to this experiment supersedes the admin weights.
            await second.ReplaceConfigAsync(Configs.Iris([V1.Url], [V2.Url], 80, 20));
            await second.Logs.WaitForAsync(Patience, "superseded", "changed this model's experiment");
            await second.Logs.WaitForAsync(Patience, "Routing revision 2 published");
            Assert.Equal(20m, Weights(await second.GetModelsAsync()).GetProperty("treatment").GetDecimal());
        }

        await using var third = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url], 80, 20), directory: directory, stateFile: state);
        Assert.Equal("config", (await third.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weightsSource").GetString());
    }

    [Fact]
    public async Task AdminWeights_AreValidated()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        async Task Expect(HttpStatusCode status, string model, string body, string reason)
        {
            var response = await router.PutWeightsAsync(model, body);
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Expect(HttpStatusCode.BadRequest, "iris", """{"canary": 5}""", "no group 'canary'");
        await Expect(HttpStatusCode.BadRequest, "iris", """{"control": -5}""", "negative");
        await Expect(HttpStatusCode.BadRequest, "iris", """{"control": 0, "treatment": 0}""", "all weights would be zero");
        await Expect(HttpStatusCode.BadRequest, "iris", """{"control": "x"}""", "must be a number");
        await Expect(HttpStatusCode.BadRequest, "iris", "[1]", "JSON object");
        await Expect(HttpStatusCode.BadRequest, "iris", "{", "not valid JSON");
        await Expect(HttpStatusCode.NotFound, "tulip", """{"control": 1}""", "model 'tulip' is not configured");
        Assert.Equal(1, router.Revision);
        await router.Logs.WaitForAsync(Patience, "refused", "no group 'canary'");
    }

    [Fact]
    public async Task AdminRefusals_AreAllAuditedAndCounted()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        (string Body, string Reason)[] malformed =
        [
            ("{", "the body is not valid JSON"),
            ("[1]", "the body must be a JSON object"),
            ("""{"control": "x"}""", "the weight of group 'control' must be a number"),
            ("{}", "no weights given"),
        ];
        foreach (var (body, reason) in malformed)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await router.PutWeightsAsync("iris", body)).StatusCode);
            var line = await router.Logs.WaitForAsync(Patience, "audit: who=token:", "action=set-weights model=iris refused: " + reason);
            Assert.StartsWith("Warning:", line, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await router.PutWeightsAsync("iris", """{"canary": 5}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await router.PutWeightsAsync("tulip", """{"control": 1}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await router.RollbackAsync("tulip")).StatusCode);
        await router.Logs.WaitForAsync(Patience, "audit: who=token:", "action=set-weights model=tulip refused: model 'tulip' is not configured");
        await router.Logs.WaitForAsync(Patience, "audit: who=token:", "action=rollback model=tulip refused: model 'tulip' is not configured");

        var metrics = await router.Admin.GetStringAsync("/metrics");
        Assert.Contains("router_admin_changes_total{action=\"set-weights\",model=\"iris\",result=\"refused\"} 5", metrics, StringComparison.Ordinal);
        Assert.Contains("router_admin_changes_total{action=\"set-weights\",model=\"tulip\",result=\"refused\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("router_admin_changes_total{action=\"rollback\",model=\"tulip\",result=\"refused\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(metrics.Split('\n'), l => l.StartsWith("router_admin_changes_total{", StringComparison.Ordinal) && l.Contains("result=\"applied\"", StringComparison.Ordinal));
        Assert.Equal(1, router.Revision);
    }

    [Fact]
    public async Task AdminAuth_MissingTokenIs401_WrongTokenIs403_ProbesAreOpen()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]));
        using var anonymous = new HttpClient { BaseAddress = router.Admin.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/models")).StatusCode);
        // The audit line of a call without credentials must not carry the configured token's identity.
        var denied = await router.Logs.WaitForAsync(Patience, "audit: who=", "denied (401)");
        Assert.Contains("who=anonymous@", denied, StringComparison.Ordinal);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/admin/models")).StatusCode);
        Assert.Contains("who=unknown-token@", await router.Logs.WaitForAsync(Patience, "audit: who=", "denied (403)"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsync("/admin/models/iris/experiment/rollback", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await router.Admin.GetAsync("/admin/models")).StatusCode);
        Assert.Equal(1, router.Revision);
    }

    [Fact]
    public async Task NoToken_AdminListensOnLoopbackOnly_EvenWithAnyHost()
    {
        await using var router = await TestRouter.StartAsync(Configs.Iris([V1.Url], [V2.Url]), token: null, host: "0.0.0.0");
        Assert.StartsWith("http://127.0.0.1:", router.Host.AdminUrl, StringComparison.Ordinal);
        Assert.StartsWith("http://0.0.0.0:", router.Host.GrpcUrl, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await router.Admin.GetAsync("/admin/models")).StatusCode);
        await router.Logs.WaitForAsync(Patience, "No admin token configured");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string oldPath, string newPath);
}
