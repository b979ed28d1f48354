using System.Text.Json;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.ModelServer.Configuration;
using Inference.PredictionLog;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>The model server's prediction log: exactly the sampled calls, rotation, and a slow or full disk never holding a call.</summary>
public sealed class PredictionLogTests
{
    private static readonly float[] s_row = [5.1f, 3.5f, 1.4f, 0.2f];

    [Fact]
    public async Task TheLog_HoldsExactlyTheSampledCalls_WithInputsOutputsAndStatus()
    {
        using var directory = new TempDirectory("predictions");
        // The draw of call i is i/10: with a rate of 0.45, calls 0 to 4 are sampled, 5 to 9 are not.
        var draws = new Queue<double>(Enumerable.Range(0, 10).Select(i => i / 10.0));
        var options = Options(directory.Path, 0.45) with { PredictionLogRandom = () => { lock (draws) { return draws.Dequeue(); } } };
        await using (var server = await TestServer.StartAsync(options))
        {
            for (var i = 0; i < 10; i++)
            {
                var request = new ModelInferRequest { ModelName = "iris", Id = $"call-{i}" };
                if (i == 3)
                {
                    // A sampled call that fails: logged with its status and no response.
                    request.AddInput<float>("nope", s_row, [1, 4]);
                    await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(request));
                    continue;
                }

                request.AddInput<float>("input", s_row, [1, 4]);
                await server.Client.ModelInferAsync(request);
            }
        }

        var records = ReadAll(directory.Path);
        Assert.Equal(["call-0", "call-1", "call-2", "call-3", "call-4"], records.Select(r => r.GetProperty("requestId").GetString()).Order());
        var ok = records.Single(r => r.GetProperty("requestId").GetString() == "call-0");
        Assert.Equal("iris", ok.GetProperty("model").GetString());
        Assert.Equal("1", ok.GetProperty("version").GetString());
        Assert.Equal("OK", ok.GetProperty("status").GetString());
        Assert.Equal("input", ok.GetProperty("request").GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.True(ok.GetProperty("response").GetProperty("outputs").GetArrayLength() > 0);
        Assert.True(ok.GetProperty("latencyMs").GetDouble() >= 0);
        var failed = records.Single(r => r.GetProperty("requestId").GetString() == "call-3");
        Assert.Equal("InvalidArgument", failed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("response").ValueKind);
    }

    [Fact]
    public async Task LargePayloads_AreLoggedAsTheirHash()
    {
        using var directory = new TempDirectory("predictions");
        var options = Options(directory.Path, 1) with { PredictionLog = new PredictionLogOptions { Target = directory.Path, SampleRate = 1, MaxPayloadBytes = 16 } };
        await using (var server = await TestServer.StartAsync(options))
        {
            await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris", Id = "big" }.AddInput<float>("input", s_row, [1, 4]));
        }

        var record = Assert.Single(ReadAll(directory.Path));
        Assert.Equal(64, record.GetProperty("request").GetProperty("sha256").GetString()!.Length);
        Assert.True(record.GetProperty("request").GetProperty("bytes").GetInt32() > 16);
    }

    [Fact]
    public async Task Rotation_KeepsTheNewestFiles_EveryLineWhole()
    {
        using var directory = new TempDirectory("predictions");
        var options = Options(directory.Path, 1) with
        {
            PredictionLog = new PredictionLogOptions { Target = directory.Path, SampleRate = 1, MaxFileBytes = 2048, MaxFiles = 3 },
        };
        const int calls = 40;
        await using (var server = await TestServer.StartAsync(options))
        {
            for (var i = 0; i < calls; i++)
            {
                await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "iris", Id = $"r{i:D3}" }.AddInput<float>("input", s_row, [1, 4]));
            }
        }

        var files = Directory.GetFiles(directory.Path, "predictions-*.jsonl");
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 2048, $"{f} is {new FileInfo(f).Length} bytes"));
        var ids = ReadAll(directory.Path).Select(r => r.GetProperty("requestId").GetString()!).Order().ToList();
        // The oldest files were deleted; what is left is the newest calls, without a gap.
        Assert.InRange(ids.Count, 3, calls - 1);
        Assert.Equal($"r{calls - 1:D3}", ids[^1]);
        Assert.Equal(Enumerable.Range(calls - ids.Count, ids.Count).Select(i => $"r{i:D3}"), ids);
    }

    [Fact]
    public async Task ASlowDisk_DropsRecords_InsteadOfHoldingCalls()
    {
        var sink = new GatedSink();
        var options = Options("-", 1) with { PredictionLog = new PredictionLogOptions { Target = "-", SampleRate = 1, QueueCapacity = 2 }, PredictionLogSink = () => sink };
        await using var server = await TestServer.StartAsync(options);
        await server.Client.ModelInferAsync(Request("first"));
        await sink.FirstWrite.WaitAsync(TimeSpan.FromSeconds(30));

        // The writer hangs in its first write: two records fit in the queue, the other seven are dropped, and every
        // call still answers.
        for (var i = 0; i < 9; i++)
        {
            await server.Client.ModelInferAsync(Request($"next-{i}"));
        }

        var scrape = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(7, scrape.Find("inference_prediction_log_dropped_total"));
        sink.Release();
        await Wait.UntilAsync(() => sink.Lines.Count == 3, "the queued records to be written");
        Assert.Contains("\"requestId\":\"next-1\"", sink.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFullDisk_CountsEveryRecordAsDropped_AndCallsSucceed()
    {
        var sink = new GatedSink(full: true);
        var options = Options("-", 1) with { PredictionLog = new PredictionLogOptions { Target = "-", SampleRate = 1 }, PredictionLogSink = () => sink };
        await using var server = await TestServer.StartAsync(options);

        for (var i = 0; i < 5; i++)
        {
            var answer = await server.Client.ModelInferAsync(Request($"r{i}"));
            Assert.Equal($"r{i}", answer.Message.Id);
        }

        await Wait.CountAsync(5, async () => new PrometheusScrape(await server.GetMetricsAsync()).Find("inference_prediction_log_dropped_total") ?? 0, "dropped records");
        Assert.Empty(sink.Lines);
    }

    private static ModelInferRequest Request(string id) => new ModelInferRequest { ModelName = "iris", Id = id }.AddInput<float>("input", s_row, [1, 4]);

    private static ModelServerOptions Options(string target, double rate) =>
        TestServer.Options(RepoPaths.IrisModel(1)) with { PredictionLog = new PredictionLogOptions { Target = target, SampleRate = rate } };

    private static List<JsonElement> ReadAll(string directory) =>
        Directory.GetFiles(directory, "predictions-*.jsonl")
            .SelectMany(File.ReadAllLines)
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
}
