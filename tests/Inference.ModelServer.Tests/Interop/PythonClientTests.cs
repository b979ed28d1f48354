using System.Text.RegularExpressions;

namespace Inference.ModelServer.Tests.Interop;

/// <summary>The reference gRPC implementation (python3-grpcio) as the client of our model server.</summary>
public sealed partial class PythonClientTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly string[] Cases =
    [
        "server_live", "server_ready", "server_metadata", "model_ready", "model_metadata", "infer_raw", "infer_typed",
        "metadata_both_ways", "reflection_list", "infer_gzip", "not_found_model", "not_found_version", "invalid_datatype",
        "not_found_long_name", "invalid_raw_length", "invalid_shape", "unknown_input", "missing_input", "typed_count_mismatch", "typed_and_raw",
        "health_check", "health_watch", "unknown_method",
    ];

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioClient_PassesEveryCase()
    {
        Peers.Require(Peers.PythonGrpc);

        var result = await RunAsync(fixture.Server.Host.GrpcAddress);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in Cases)
        {
            Assert.Contains($"PASS {name}", result.Stdout, StringComparison.Ordinal);
        }

        // Server reflection lists exactly what the server maps.
        Assert.Contains("SERVICES grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection inference.GRPCInferenceService", result.Stdout, StringComparison.Ordinal);
    }

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioClient_AtTheAdmissionLimit_GetsResourceExhausted()
    {
        Peers.Require(Peers.PythonGrpc);
        var options = TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlight = 1, QueueTimeout = TimeSpan.Zero };
        await using var server = await TestServer.StartAsync(options);
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter(), "the test takes the only slot");
        try
        {
            var result = await RunAsync(server.Host.GrpcAddress, "resource_exhausted");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("PASS resource_exhausted", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            admission.Exit();
        }

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
    }

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioDeadline_EndsAWaitingCall_AndTheServerLetsItGo()
    {
        Peers.Require(Peers.PythonGrpc);
        var options = TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlight = 1, QueueTimeout = TimeSpan.FromMinutes(5) };
        await using var server = await TestServer.StartAsync(options);
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter(), "the test takes the only slot");
        try
        {
            var result = await RunAsync(server.Host.GrpcAddress, "deadline_exceeded");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("PASS deadline_exceeded", result.Stdout, StringComparison.Ordinal);
            // The call waited for a slot that never came free; it ended with its deadline, not with the queue timeout.
            await Wait.UntilAsync(() => admission.Waiting == 0, "the expired call to leave the queue");
        }
        finally
        {
            admission.Exit();
        }
    }

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioOversizedRequest_GetsResourceExhausted_AndTheServerGoesOn()
    {
        Peers.Require(Peers.PythonGrpc);
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxReceiveMessageSize = 4096 });

        var result = await RunAsync(server.Host.GrpcAddress, "oversize");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PASS oversize", result.Stdout, StringComparison.Ordinal);
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
    }

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioRequestBeyondTheMemoryBudget_IsResourceExhausted_AndTheServerGoesOn()
    {
        Peers.Require(Peers.PythonGrpc);
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.IrisModel(1)) with { MaxInFlightBytes = 1000 });

        var result = await RunAsync(server.Host.GrpcAddress, "memory_budget");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PASS memory_budget", result.Stdout, StringComparison.Ordinal);
        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")));
    }

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioHealthWatch_SeesServingThenNotServing_WhenTheServerIsSentSigterm()
    {
        Peers.Require(Peers.PythonGrpc);
        await using var server = await ModelServerProcess.StartAsync(RepoPaths.IrisModel(1), "iris", "1");

        await using var python = StartPython(server.GrpcAddress, "watch_until_not_serving");
        await python.WaitForLineAsync(WatchServingLine(), Timeout);
        server.Process.Signal(Signals.Term);

        Assert.True(await python.WaitForExitAsync(Timeout) == 0, python.Output);
        Assert.Contains("PASS watch_until_not_serving", python.Output, StringComparison.Ordinal);
        Assert.Equal(0, await server.Process.WaitForExitAsync(Timeout));
    }

    private static Task<ProcessResult> RunAsync(Uri address, params string[] cases) =>
        ChildProcess.RunAsync(Peers.PythonInterpreter, Arguments(address, cases), CleanPython, Timeout);

    /// <summary>Starts oip_client.py with the named cases.</summary>
    private static ChildProcess StartPython(Uri address, params string[] cases) =>
        ChildProcess.Start("oip_client.py", Peers.PythonInterpreter, Arguments(address, cases), CleanPython);

    private static string[] Arguments(Uri address, string[] cases) =>
        [RepoPaths.Built(Path.Combine("interop", "oip_client.py")), $"{address.Host}:{address.Port}", RepoPaths.Protos, RepoPaths.IrisExpected(1), .. cases];

    private static Dictionary<string, string?> CleanPython => new() { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null };

    [GeneratedRegex("^WATCH SERVING$")]
    private static partial Regex WatchServingLine();
}
