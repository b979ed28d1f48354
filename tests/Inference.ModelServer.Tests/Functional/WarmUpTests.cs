using System.Net;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference.ModelServer.Hosting;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>Readiness waits for the warm-up; a model that fails its warm-up is not served and the server stops with code 1.</summary>
public sealed class WarmUpTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task BeforeTheWarmUpCompletes_TheServerIsLiveButNotReady()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = ModelServerHost.Build(TestServer.Options(RepoPaths.IrisModel(1)));
        host.BeforeWarmUp = () => hold.Task;
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = host.HttpAddress };
            using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
            var client = new OipTestClient(channel);
            var health = new Grpc.Health.V1.Health.HealthClient(channel);

            using (var warming = await http.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
                Assert.Equal("warming", Status(await warming.Content.ReadAsStringAsync()));
            }

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            Assert.True((await client.ServerLiveAsync()).Message.Live);
            Assert.False((await client.ServerReadyAsync()).Message.Ready);
            Assert.False((await client.ModelReadyAsync("iris")).Message.Ready);
            Assert.Equal(ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
            Assert.False(host.State.WhenWarm.IsCompleted);

            hold.SetResult();
            await host.State.WhenWarm.WaitAsync(Timeout);

            using var ready = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready", Status(await ready.Content.ReadAsStringAsync()));
            Assert.True((await client.ServerReadyAsync()).Message.Ready);
            Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "iris" })).Status);
        }
        finally
        {
            hold.TrySetResult();
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task FailingWarmUp_StopsTheServerWithExitCodeOne_SayingWhyAndWhatToDo()
    {
        var logs = new LogCapture();
        // A long drain delay: a server that never became ready must not wait it out.
        var options = TestServer.Options(RepoPaths.Fixture("broken_reshape.onnx"), "fixture") with { DrainDelay = TimeSpan.FromMinutes(10) };
        var host = ModelServerHost.Build(options, logs.AddTo);
        var state = host.State;
        try
        {
            // As Program runs it: the host stops by itself.
            await host.RunAsync().WaitAsync(Timeout);

            Assert.Equal(1, host.ExitCode);
            Assert.True(state.HasFailed);
            Assert.False(state.IsReady);
            Assert.Equal("failed", state.Status);
            await Assert.ThrowsAnyAsync<Exception>(() => state.WhenWarm);
            var lifecycle = logs.Entries.Where(entry => entry.Category == typeof(ModelServerLifecycle).FullName).ToList();
            var failure = Assert.Single(lifecycle, entry => entry.EventId.Id == 4);
            Assert.Equal(LogLevel.Critical, failure.Level);
            Assert.Contains("Warm-up failed: model fixture version 1 cannot run a synthetic request", failure.Message, StringComparison.Ordinal);
            Assert.Contains("cannot be reshaped to the requested shape", failure.Message, StringComparison.Ordinal);
            Assert.Contains("exits with code 1", failure.Message, StringComparison.Ordinal);
            Assert.Contains("--no-warmup", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(lifecycle, entry => entry.EventId.Id == 3);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static string? Status(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("status").GetString();
    }
}
