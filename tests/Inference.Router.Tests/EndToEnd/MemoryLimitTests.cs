using System.Net;
using Inference.Contracts;
using Inference.Contracts.Oip;
using Inference.Router.Tests.Fakes;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;
using Xunit.Abstractions;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The executable under its GC heap limit, with far more request bytes in flight than the limit.</summary>
[Collection(AloneCollection.Name)]
public sealed class MemoryLimitTests(ITestOutputHelper output)
{
    private const string Infer = "/inference.GRPCInferenceService/ModelInfer";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ManyLargeRequests_ToABackendThatReadsLate_AreAllAnswered_AndTheRouterStaysHealthy()
    {
        // 128 calls of 4 MiB (512 MiB in flight, four times the router's heap limit) over 32 connections.
        const int connections = 32;
        const int streamsPerConnection = 4;
        const int bodyBytes = 4 * 1024 * 1024;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var v1 = await FakeOipBackend.StartAsync("iris", "1");
        await using var v2 = await FakeOipBackend.StartAsync("iris", "2");
        using var scratch = new TempDirectory("router");
        var config = scratch.File("router.json");
        // No health checks: they would be judged on a machine this test saturates, and are not its subject.
        await File.WriteAllTextAsync(config, Configs.Iris([v1.Url], [v2.Url], 100, 0, extra: """{"healthCheckIntervalSeconds": 0}"""));
        await using var router = await RouterProcess.StartAsync(TimeSpan.FromSeconds(30), "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0");

        // The backend takes every call but reads no body until all of them are in: the router has to
        // hold what the clients push, up to its flow-control windows.
        v1.HoldBodies = true;
        var calls = connections * streamsPerConnection;
        var clients = Enumerable.Range(0, connections).Select(_ => new GrpcTestClient()).ToArray();
        var contents = new List<CountingContent>();
        var tasks = new List<Task<GrpcCallResult>>();
        // One body for every call (the backend need not tell them apart): the test process keeps one copy.
        var body = Body(bodyBytes);
        for (var i = 0; i < calls; i++)
        {
            var content = new CountingContent(body);
            contents.Add(content);
            tasks.Add(clients[i % connections].CallContentAsync(router.GrpcUrl, Infer, content, timeout: Patience));
        }

        // Every call reached the backend, and the clients pushed at least half a connection window each
        // into the router, which holds it (unless the router died: then calls complete, with errors).
        await Wait.UntilAsync(
            () => (v1.BodiesWaiting == calls && contents.Sum(c => c.Written) >= connections * 512L * 1024) || tasks.Any(t => t.IsCompleted),
            "every call to reach the backend and the router to hold their bodies",
            (int)Patience.TotalSeconds);
        Assert.False(router.Process.HasExited, "the router died holding the bodies: " + router.Process.Output);
        var rssHeld = router.StatusKilobytes("VmRSS");
        output.WriteLine($"[{watch.Elapsed.TotalSeconds:F1} s] all {calls} calls at the backend: router RSS {rssHeld / 1024} MB, client bytes written {contents.Sum(c => c.Written) / 1024 / 1024} MB");
        v1.HoldBodies = false;

        GrpcCallResult[] results;
        try
        {
            results = await Task.WhenAll(tasks);
        }
        catch
        {
            // What was in flight where, for a failure that is a hang rather than a crash.
            output.WriteLine($"completed {tasks.Count(t => t.IsCompleted)} of {calls}; backend calls {v1.Requests}; router exited: {router.Process.HasExited}");
            if (!router.Process.HasExited)
            {
                using var probe = new HttpClient { BaseAddress = new Uri(router.AdminUrl) };
                probe.DefaultRequestHeaders.Authorization = new("Bearer", RouterProcess.AdminToken);
                output.WriteLine(await probe.GetStringAsync("/admin/models"));
                output.WriteLine(string.Join("\n", (await probe.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("router_", StringComparison.Ordinal) || l.StartsWith("dotnet_gc", StringComparison.Ordinal))));
            }

            throw;
        }
        finally
        {
            output.WriteLine("router output: " + router.Process.Output);
        }

        output.WriteLine($"[{watch.Elapsed.TotalSeconds:F1} s] router RSS {router.StatusKilobytes("VmRSS") / 1024} MB, peak {router.StatusKilobytes("VmHWM") / 1024} MB");
        Assert.False(router.Process.HasExited, "the router died");
        Assert.All(results, r => Assert.Equal((0, "1"), (r.Status, r.Header(InferenceHeaders.ModelVersion))));
        using var admin = new HttpClient { BaseAddress = new Uri(router.AdminUrl) };
        Assert.Equal("ok", await admin.GetStringAsync("/healthz"));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static byte[] Body(int payloadBytes)
    {
        var request = new ModelInferRequest { ModelName = "iris", Id = "large" };
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[payloadBytes]));
        return GrpcTestClient.Frame(request);
    }

    /// <summary>A body written in 64 KiB pieces, counting what the HTTP/2 layer has accepted.</summary>
    private sealed class CountingContent(byte[] body) : HttpContent
    {
        private long _written;

        public long Written => Interlocked.Read(ref _written);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += 64 * 1024)
            {
                var size = Math.Min(64 * 1024, body.Length - offset);
                await stream.WriteAsync(body.AsMemory(offset, size));
                Interlocked.Add(ref _written, size);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
