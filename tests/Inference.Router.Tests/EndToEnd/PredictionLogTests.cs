using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.Oip;
using Inference.PredictionLog;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The router's prediction log: exactly the sampled calls, the sticky key only as its hash, flags parsed.</summary>
public sealed class PredictionLogTests
{
    [Fact]
    public async Task TheLog_HoldsExactlyTheSampledCalls_AndNeverTheRawKey()
    {
        using var logDirectory = new TempDirectory("router-predictions");
        // Call i draws i/8: at a rate of 0.3, calls 0, 1 and 2 are sampled.
        var draws = new Queue<double>(Enumerable.Range(0, 8).Select(i => i / 8.0));
        await using (var router = await TestRouter.StartAsync(
            Configs.Iris(["http://127.0.0.1:1"], ["http://127.0.0.1:2"], extra: """{"healthCheckIntervalSeconds": 0}"""),
            configure: options => options with
            {
                PredictionLog = new PredictionLogOptions { Target = logDirectory.Path, SampleRate = 0.3 },
                PredictionLogRandom = () => { lock (draws) { return draws.Dequeue(); } },
            }))
        {
            using var channel = GrpcChannel.ForAddress(router.GrpcUrl);
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            for (var i = 0; i < 8; i++)
            {
                // No model server answers: the calls fail, after being routed and recorded.
                await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(new ModelInferRequest { ModelName = "iris" }, new Metadata { { "x-user-id", $"secret-user-{i}" } }));
            }
        }

        var lines = Directory.GetFiles(logDirectory.Path, "predictions-*.jsonl").SelectMany(File.ReadAllLines).Where(l => l.Length > 0).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, line => Assert.DoesNotContain("secret-user", line, StringComparison.Ordinal));
        var records = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(
            Enumerable.Range(0, 3).Select(i => KeyHash.Of($"secret-user-{i}")).Order(),
            records.Select(r => r.GetProperty("keyHash").GetString()!).Order());
        Assert.All(records, r =>
        {
            Assert.Equal("router", r.GetProperty("source").GetString());
            Assert.Equal("iris", r.GetProperty("model").GetString());
            Assert.Equal("iris-v2-rollout", r.GetProperty("experiment").GetString());
            Assert.Contains(r.GetProperty("group").GetString(), new[] { "control", "treatment" });
            Assert.Equal("Unavailable", r.GetProperty("status").GetString());
        });
    }

    [Fact]
    public void Flags_SetTheLog_AndABadRateIsAUsageError()
    {
        var options = Inference.Router.Hosting.CommandLine.Parse(
            ["--config", "r.json", "--prediction-log", "-", "--prediction-log-sample", "0.25", "--prediction-log-max-files", "4"], _ => null);

        Assert.Equal("-", options.PredictionLog!.Target);
        Assert.Equal(0.25, options.PredictionLog.SampleRate);
        Assert.Equal(4, options.PredictionLog.MaxFiles);
        Assert.Null(Inference.Router.Hosting.CommandLine.Parse(["--config", "r.json"], _ => null).PredictionLog);
        var error = Assert.Throws<Inference.Router.Hosting.UsageException>(() =>
            Inference.Router.Hosting.CommandLine.Parse(["--config", "r.json", "--prediction-log-sample", "1.5"], _ => null));
        Assert.Contains("from 0 to 1", error.Message, StringComparison.Ordinal);
    }
}
