using Inference.Client;
using Inference.Contracts.Oip;
using Grpc.Core;
using Inference.ModelServer.Hosting;
using Inference.ModelServer.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Calls that end without an answer are counted (inference_requests_total's grpc_code) and logged for what they
/// are: CANCELLED when the client gave up or went away, DEADLINE_EXCEEDED when the call's deadline passed; never
/// UNKNOWN, and never an error in the log.
/// </summary>
public sealed class CallStatusTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private static ModelInferRequest OneRow() =>
        new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]);

    [Fact]
    public async Task ClientCancels_WhileWaitingForASlot_IsCountedCancelled()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlight = 1, QueueTimeout = Long }, logs);
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter());
        try
        {
            using var cancel = new CancellationTokenSource();
            var call = server.Client.ModelInferAsync(OneRow(), cancel.Token);
            await Wait.UntilAsync(() => admission.Waiting == 1, "the call to wait for a slot");

            await cancel.CancelAsync();

            var error = await Assert.ThrowsAnyAsync<Exception>(() => call);
            Assert.True(error is OperationCanceledException or CallFailedException { StatusCode: StatusCode.Cancelled }, error.ToString());
            await AssertCountedAsync(server, "CANCELLED");
            Assert.Equal(0, admission.Waiting);
        }
        finally
        {
            admission.Exit();
        }

        AssertNoErrorLogged(logs);
    }

    [Fact]
    public async Task ClientResetsTheStream_BeforeTheBodyArrives_IsCountedCancelled()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)), logs);
        using var raw = new RawGrpcCall(server.Host.GrpcAddress);
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = raw.SendPartialAsync(OneRow(), started, cancel.Token);
        await started.Task.WaitAsync(Long);
        await WaitForTheCallToStartAsync(logs);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await AssertCountedAsync(server, "CANCELLED");
        AssertNoErrorLogged(logs);
    }

    [Fact]
    public async Task ClientResetsTheStream_MidMessage_IsLoggedAtDebugWithoutAStackTrace_AndGivesBackItsMemoryBudget()
    {
        // The server's own log filters: what an operator sees, at debug level.
        var logs = new LogCapture();
        var host = ModelServerHost.Build(TestServer.Options(RepoPaths.IrisModel(1)), logging =>
        {
            ModelServerHost.AddLogFilters(logging);
            logs.AddTo(logging);
        });
        await using var server = await TestServer.StartAsync(host);
        var budget = server.Host.App.Services.GetRequiredService<MemoryBudget>();
        using var raw = new RawGrpcCall(server.Host.GrpcAddress);
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = raw.SendPartialAsync(OneRow(), started, cancel.Token);
        // The message's prefix has been read: its length is held in the budget while the rest never comes.
        await Wait.UntilAsync(() => budget.InFlight == OneRow().CalculateSize(), "the call to take its share of the memory budget");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await AssertCountedAsync(server, "CANCELLED");
        await Wait.UntilAsync(() => budget.InFlight == 0, "the call's share of the budget to come back");
        var cancelled = Assert.Single(logs.Entries, e => e.EventId.Id == 17);
        Assert.Equal(LogLevel.Debug, cancelled.Level);
        Assert.StartsWith("Call ModelInfer cancelled by the client after ", cancelled.Message, StringComparison.Ordinal);
        Assert.Null(cancelled.Exception);
        Assert.DoesNotContain(logs.Entries, e => e.Exception is not null || e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ClientDropsTheConnection_BeforeTheBodyArrives_IsCountedCancelled()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)), logs);
        using var raw = new RawGrpcCall(server.Host.GrpcAddress);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = raw.SendPartialAsync(OneRow(), started, CancellationToken.None);
        await started.Task.WaitAsync(Long);
        await WaitForTheCallToStartAsync(logs);
        raw.DropConnection();

        await Assert.ThrowsAnyAsync<Exception>(() => call);
        await AssertCountedAsync(server, "CANCELLED");
        AssertNoErrorLogged(logs);
    }

    [Fact]
    public async Task DeadlinePasses_WhileWaitingForASlot_IsDeadlineExceeded()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlight = 1, QueueTimeout = Long }, logs);
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter());
        try
        {
            // The raw client never gives up on its own: only the server's deadline can end the call.
            using var raw = new RawGrpcCall(server.Host.GrpcAddress);
            using var response = await raw.SendAsync(OneRow(), grpcTimeout: "100m");

            Assert.Equal((int)StatusCode.DeadlineExceeded, await RawGrpcCall.StatusOfAsync(response));
            Assert.Equal("iris", response.Headers.GetValues("x-model-name").Single());
            await AssertCountedAsync(server, "DEADLINE_EXCEEDED");
        }
        finally
        {
            admission.Exit();
        }

        AssertNoErrorLogged(logs);
    }

    [Fact]
    public async Task ClientCancels_WhileWaitingInABatch_IsAnsweredAtOnce_AndNeverRun()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(BatchingOptions(), logs);
        var batcher = server.Host.Engine.Batcher!;
        batcher.Pause();

        using var cancel = new CancellationTokenSource();
        var call = server.Client.ModelInferAsync(OneRow(), cancel.Token);
        await Wait.UntilAsync(() => batcher.WaitingRequests == 1, "the call to wait in a batch");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => call);
        await AssertCountedAsync(server, "CANCELLED");
        // Answered while its batch is still held, and its admission slot is free again.
        await Wait.UntilAsync(() => server.Host.Engine.InFlight == 0, "the slot to be released");

        batcher.Resume();
        var answered = await server.Client.ModelInferAsync(OneRow());
        Assert.Equal([0L], answered.Message.GetOutput<long>("label").Data);
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_compute_duration_seconds_count", ("model", "iris")));
        AssertNoErrorLogged(logs);
    }

    [Fact]
    public async Task DeadlinePasses_WhileWaitingInABatch_IsDeadlineExceeded_AtTheDeadline()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(BatchingOptions(), logs);
        var batcher = server.Host.Engine.Batcher!;
        batcher.Pause();

        using var raw = new RawGrpcCall(server.Host.GrpcAddress);
        using var response = await raw.SendAsync(OneRow(), grpcTimeout: "100m");

        // The batch is still held: the answer came from the deadline, not from a Run.
        Assert.Equal((int)StatusCode.DeadlineExceeded, await RawGrpcCall.StatusOfAsync(response));
        await AssertCountedAsync(server, "DEADLINE_EXCEEDED");
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(0, metrics.Find("inference_compute_duration_seconds_count", ("model", "iris")) ?? 0);
        AssertNoErrorLogged(logs);
    }

    private static Configuration.ModelServerOptions BatchingOptions() => TestServer.Options(RepoPaths.IrisModel(1)) with
    {
        Batching = true,
        MaxBatchSize = 4,
        MaxInFlight = 8,
        MaxBatchDelay = Long,
    };

    /// <summary>Waits for the server to count the one ModelInfer call, then checks its grpc_code.</summary>
    private static async Task AssertCountedAsync(TestServer server, string code)
    {
        PrometheusScrape? metrics = null;
        await Wait.UntilAsync(
            async () =>
            {
                metrics = new PrometheusScrape(await server.GetMetricsAsync());
                return metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", code)) == 1;
            },
            $"the call to be counted as {code}");
        foreach (var other in new[] { "UNKNOWN", "OK", "INTERNAL", "CANCELLED", "DEADLINE_EXCEEDED" }.Where(c => c != code))
        {
            Assert.Null(metrics!.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", other)));
        }
    }

    /// <summary>The server has the call (its headers): what the client does next happens to a call in progress.</summary>
    private static Task WaitForTheCallToStartAsync(LogCapture logs) =>
        Wait.UntilAsync(
            () => logs.Entries.Any(e => e.Message.StartsWith("Request starting HTTP/2 POST", StringComparison.Ordinal)
                && e.Message.Contains("/ModelInfer", StringComparison.Ordinal)),
            "the server to start the call");

    private static void AssertNoErrorLogged(LogCapture logs)
    {
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Select(e => $"{e.Category}: {e.Message} {e.Exception}")));
    }
}
