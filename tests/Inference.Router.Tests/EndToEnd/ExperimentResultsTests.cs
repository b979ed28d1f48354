using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Experiments;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The router's experiment statistics: what is counted as assigned, the results file across restarts, a rename, a weight change.</summary>
public sealed class ExperimentResultsTests
{
    [Fact]
    public async Task OnlyAssignmentsByWeight_AreCounted_PinsAndOverridesAreNot()
    {
        await using var router = await TestRouter.StartAsync(Config("iris-v2-rollout"));
        using var channel = GrpcChannel.ForAddress(router.GrpcUrl);

        for (var i = 0; i < 7; i++)
        {
            await InferAsync(channel, new Metadata { { "x-user-id", $"user-{i}" } });
        }

        await InferAsync(channel, [], version: "1");
        await InferAsync(channel, new Metadata { { "x-experiment-group", "treatment" } });
        var results = await ResultsAsync(router);

        var groups = results.GetProperty("groups");
        Assert.Equal(7, groups.GetProperty("control").GetProperty("assigned").GetInt64() + groups.GetProperty("treatment").GetProperty("assigned").GetInt64());
        Assert.Equal(7, await router.MetricAsync("router_experiment_assigned_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"control\"}")
            + await router.MetricAsync("router_experiment_assigned_total{model=\"iris\",experiment=\"iris-v2-rollout\",group=\"treatment\"}"));
    }

    [Fact]
    public async Task Statistics_SurviveARestart_AndStartFromZeroWhenTheExperimentIsRenamed()
    {
        using var directory = new TempDirectory("results");
        var state = Path.Combine(directory.Path, "state.json");
        string saved;
        await using (var router = await TestRouter.StartAsync(Config("iris-v2-rollout"), directory: directory.Path, stateFile: state))
        {
            using var channel = GrpcChannel.ForAddress(router.GrpcUrl);
            for (var i = 0; i < 5; i++)
            {
                await InferAsync(channel, new Metadata { { "x-user-id", $"user-{i}" } });
            }

            var outcomes = new Outcomes.OutcomesClient(channel);
            var request = new RecordOutcomesRequest();
            request.Outcomes.Add(Outcome("control", "clicked", success: true));
            request.Outcomes.Add(Outcome("control", "clicked", success: false));
            request.Outcomes.Add(Outcome("treatment", "clicked", success: true));
            request.Outcomes.Add(Outcome("control", "revenue", number: 1.5));
            request.Outcomes.Add(Outcome("control", "revenue", number: 2.5));
            Assert.Equal(5, (await outcomes.RecordAsync(request)).Accepted);

            var results = await ResultsAsync(router);
            var control = results.GetProperty("groups").GetProperty("control").GetProperty("metrics");
            Assert.Equal(2, control.GetProperty("clicked").GetProperty("count").GetInt64());
            Assert.Equal(1, control.GetProperty("clicked").GetProperty("successes").GetInt64());
            Assert.Equal(4.0, control.GetProperty("revenue").GetProperty("sum").GetDouble());
            Assert.Equal(8.5, control.GetProperty("revenue").GetProperty("sumSquares").GetDouble());
            saved = results.GetProperty("groups").GetRawText();
        }

        Assert.True(File.Exists(Path.Combine(directory.Path, "state.results.json")));
        await using (var restarted = await TestRouter.StartAsync(Config("iris-v2-rollout"), directory: directory.Path, stateFile: state))
        {
            var results = await ResultsAsync(restarted);
            Assert.Equal(saved, results.GetProperty("groups").GetRawText());
            Assert.Equal(JsonValueKind.Null, results.GetProperty("weightsChangedAt").ValueKind);
            await restarted.Logs.WaitForAsync(TimeSpan.FromSeconds(30), "Experiment statistics of model 'iris'", "restored from");

            var revision = restarted.Revision;
            await restarted.ReplaceConfigAsync(Config("iris-v3-rollout"));
            await Wait.UntilAsync(() => restarted.Revision > revision, "the renamed experiment to load");
            var renamed = await ResultsAsync(restarted);
            Assert.Equal("iris-v3-rollout", renamed.GetProperty("experiment").GetString());
            foreach (var group in renamed.GetProperty("groups").EnumerateObject())
            {
                Assert.Equal(0, group.Value.GetProperty("assigned").GetInt64());
                Assert.All(group.Value.GetProperty("metrics").EnumerateObject(), m => Assert.Equal(0, m.Value.GetProperty("count").GetInt64()));
            }
        }
    }

    [Fact]
    public async Task AWeightChange_DuringTheExperiment_IsRecorded()
    {
        await using var router = await TestRouter.StartAsync(Config("iris-v2-rollout"));
        var before = await ResultsAsync(router);

        (await router.PutWeightsAsync("iris", """{"treatment": 50}""")).EnsureSuccessStatusCode();
        var after = await ResultsAsync(router);

        Assert.Equal(JsonValueKind.Null, before.GetProperty("weightsChangedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, after.GetProperty("weightsChangedAt").ValueKind);
        Assert.Equal(50, after.GetProperty("weights").GetProperty("treatment").GetDecimal());
    }

    [Fact]
    public async Task Results_OfAnUnknownModel_Are404()
    {
        await using var router = await TestRouter.StartAsync(Config("iris-v2-rollout"));

        using var response = await router.Admin.GetAsync("/admin/models/nope/experiment/results");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("model 'nope' is not configured", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Outcome Outcome(string group, string metric, bool? success = null, double? number = null)
    {
        var outcome = new Outcome { Model = "iris", Experiment = "iris-v2-rollout", Group = group, Metric = metric };
        if (success is { } s)
        {
            outcome.Success = s;
        }
        else
        {
            outcome.Number = number!.Value;
        }

        return outcome;
    }

    private static async Task<JsonElement> ResultsAsync(TestRouter router) =>
        JsonDocument.Parse(await router.Admin.GetStringAsync("/admin/models/iris/experiment/results")).RootElement.Clone();

    /// <summary>A call routed by the router; its upstream does not exist, so it fails after the routing decision.</summary>
    private static async Task InferAsync(GrpcChannel channel, Metadata headers, string version = "")
    {
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        try
        {
            await client.ModelInferAsync(new ModelInferRequest { ModelName = "iris", ModelVersion = version }, headers);
        }
        catch (RpcException)
        {
        }
    }

    private static string Config(string experiment)
    {
        var json = JsonNode.Parse(Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], experiment: experiment, extra: """{"healthCheckIntervalSeconds": 0}"""))!;
        json["models"]!["iris"]!["experiment"]!["metrics"] = JsonNode.Parse("""[{"name": "clicked", "kind": "boolean"}, {"name": "revenue", "kind": "number"}]""");
        return json.ToJsonString();
    }
}
