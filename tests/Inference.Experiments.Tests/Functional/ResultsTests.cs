using System.Collections.Concurrent;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Client;
using Inference.Contracts.Experiments;
using Inference.Contracts.Oip;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class ResultsTests(RouterPair routers)
{
    private const int Callers = 8;
    private const int CallsPerCaller = 60;

    [Fact]
    public async Task Results_OutcomesFromManyCallersAcrossTwoRouters_AddUpExactly()
    {
        using var firstChannel = GrpcChannel.ForAddress(routers.First.GrpcAddress);
        using var secondChannel = GrpcChannel.ForAddress(routers.Second.GrpcAddress);
        var channels = new[] { firstChannel, secondChannel };
        var assigned = new ConcurrentDictionary<string, int>();
        var clicks = new ConcurrentDictionary<string, (long Count, long Successes)>();
        var revenue = new ConcurrentDictionary<string, (long Count, double Sum, double Squares)>();

        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < CallsPerCaller; i++)
            {
                // Each caller alternates routers, as a client behind a load balancer would.
                var channel = channels[(caller + i) % 2];
                var tags = await InferAsync(channel);
                assigned.AddOrUpdate(tags.ExperimentGroup!, 1, (_, n) => n + 1);
                var clicked = (caller * 7 + i) % 3 == 0;
                double amount = (caller + i) % 11;
                var outcomes = new Outcomes.OutcomesClient(channels[(caller + i + 1) % 2]);
                var accepted = await outcomes.RecordAsync([tags.ToOutcome("clicked", clicked), tags.ToOutcome("revenue", amount)]);
                Assert.Equal(2, accepted);
                clicks.AddOrUpdate(tags.ExperimentGroup!, (1, clicked ? 1 : 0), (_, c) => (c.Count + 1, c.Successes + (clicked ? 1 : 0)));
                revenue.AddOrUpdate(tags.ExperimentGroup!, (1, amount, amount * amount), (_, r) => (r.Count + 1, r.Sum + amount, r.Squares + amount * amount));
            }
        })));

        var result = await Tool.RunAsync("results", "results", "--json", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("results-rollout", root.GetProperty("experiment").GetString());
        Assert.Equal(2, root.GetProperty("instances").GetArrayLength());
        var groups = root.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("group").GetString()!);
        Assert.Equal(Callers * CallsPerCaller, groups.Values.Sum(g => g.GetProperty("assigned").GetInt64()));
        foreach (var (group, count) in assigned)
        {
            Assert.Equal(count, groups[group].GetProperty("assigned").GetInt64());
        }

        var metrics = root.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!);
        foreach (var row in metrics["clicked"].GetProperty("groups").EnumerateArray())
        {
            var expected = clicks[row.GetProperty("group").GetString()!];
            Assert.Equal(expected.Count, row.GetProperty("n").GetInt64());
            Assert.Equal(expected.Successes, row.GetProperty("successes").GetInt64());
            Assert.Equal((double)expected.Successes / expected.Count, row.GetProperty("value").GetDouble(), 12);
        }

        foreach (var row in metrics["revenue"].GetProperty("groups").EnumerateArray())
        {
            var expected = revenue[row.GetProperty("group").GetString()!];
            Assert.Equal(expected.Count, row.GetProperty("n").GetInt64());
            Assert.Equal(expected.Sum / expected.Count, row.GetProperty("value").GetDouble(), 12);
        }

        // 480 randomly assigned calls at 90/10: a healthy split, and the text report says so.
        Assert.False(root.GetProperty("sampleRatio").GetProperty("mismatch").GetBoolean());
        var text = await Tool.RunAsync("results", "results", "--admin", routers.BothAdmins);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("sample ratio: chi-square", text.Out, StringComparison.Ordinal);
        Assert.Contains(": ok", text.Out, StringComparison.Ordinal);
        Assert.Contains("clicked (boolean;", text.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("other-experiment", "control", "clicked", "runs experiment 'outcome-errors-rollout', not 'other-experiment'")]
    [InlineData("outcome-errors-rollout", "pinned", "clicked", "has no group 'pinned'")]
    [InlineData("outcome-errors-rollout", "treatment", "bought", "has no metric 'bought' (metrics: clicked, revenue)")]
    public async Task Record_ABadOutcome_IsInvalidArgumentAndItsWholeBatchChangesNothing(string experiment, string group, string metric, string message)
    {
        using var channel = GrpcChannel.ForAddress(routers.First.GrpcAddress);
        var client = new Outcomes.OutcomesClient(channel);
        var before = await ReadResultsAsync();
        var good = new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "clicked", Success = true };
        var bad = new Outcome { Model = "outcome-errors", Experiment = experiment, Group = group, Metric = metric, Success = true };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.RecordAsync([good, bad]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("outcomes[1]: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await ReadResultsAsync());
    }

    [Fact]
    public async Task Record_ValuesOfTheWrongKindOrNotFinite_AreRefused()
    {
        using var channel = GrpcChannel.ForAddress(routers.First.GrpcAddress);
        var client = new Outcomes.OutcomesClient(channel);
        var before = await ReadResultsAsync();
        var cases = new (Outcome Outcome, string Message)[]
        {
            (new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "revenue", Number = double.NaN }, "non-finite value NaN"),
            (new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "revenue", Number = double.PositiveInfinity }, "non-finite value"),
            (new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "revenue", Success = true }, "is a number: set number, not success"),
            (new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "clicked", Number = 1 }, "is a boolean: set success, not number"),
            (new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "clicked" }, "has no value"),
            (new Outcome { Model = "no-such-model", Experiment = "x", Group = "control", Metric = "clicked", Success = true }, "model 'no-such-model' is not configured"),
        };

        foreach (var (outcome, message) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.RecordAsync(outcome));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(before, await ReadResultsAsync());
        Assert.Equal(1, await client.RecordAsync(new Outcome { Model = "outcome-errors", Experiment = "outcome-errors-rollout", Group = "control", Metric = "revenue", Number = -2.5 }));
        Assert.NotEqual(before, await ReadResultsAsync());
    }

    private async Task<string> ReadResultsAsync()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(routers.First.AdminAddress, "admin/models/outcome-errors/experiment/results"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RouterProcess.AdminToken);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("groups").GetRawText();
    }

    /// <summary>One call through <paramref name="channel"/>; the answer fails (no model server) but is routed and tagged.</summary>
    private static async Task<ResponseTags> InferAsync(GrpcChannel channel)
    {
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new ModelInferRequest { ModelName = "results" };
        var call = client.ModelInferAsync(request);
        try
        {
            await call;
        }
        catch (RpcException)
        {
            // Expected: the endpoints do not exist. The tags came with the error.
        }

        var headers = await call.ResponseHeadersAsync;
        var tags = headers.Count > 0 ? ResponseTags.From(headers) : ResponseTags.From(call.GetTrailers());
        Assert.Equal("results", tags.ModelName);
        Assert.NotNull(tags.ExperimentGroup);
        return tags;
    }
}
