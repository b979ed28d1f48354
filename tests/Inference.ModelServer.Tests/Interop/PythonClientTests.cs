using System.Diagnostics;
using System.Text;
using Inference.Onnx.TestData;

namespace Inference.ModelServer.Tests.Interop;

/// <summary>The reference gRPC implementation (python3-grpcio) as the client of our model server.</summary>
public sealed class PythonClientTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly string[] Cases =
    [
        "server_live", "server_ready", "server_metadata", "model_ready", "model_metadata", "infer_raw", "infer_typed",
        "infer_gzip", "not_found_model", "not_found_version", "invalid_datatype", "invalid_raw_length", "invalid_shape",
        "unknown_input", "missing_input", "typed_count_mismatch", "typed_and_raw", "health_check", "health_watch", "unknown_method",
    ];

    [PeerFact(Peers.Python)]
    public async Task GrpcioClient_PassesEveryCase()
    {
        Peers.Require(Peers.Python);

        var (exitCode, output) = await RunAsync(fixture.Server.Host.GrpcAddress);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}");
        foreach (var name in Cases)
        {
            Assert.Contains($"PASS {name}", output, StringComparison.Ordinal);
        }
    }

    [PeerFact(Peers.Python)]
    public async Task GrpcioClient_AtTheAdmissionLimit_GetsResourceExhausted()
    {
        Peers.Require(Peers.Python);
        var options = TestServer.Options(RepoPaths.Iris(1)) with { MaxInFlight = 1, QueueTimeout = TimeSpan.Zero };
        await using var server = await TestServer.StartAsync(options);
        var admission = server.Host.Engine.Admission;
        Assert.True(admission.TryEnter(), "the test takes the only slot");
        try
        {
            var (exitCode, output) = await RunAsync(server.Host.GrpcAddress, "resource_exhausted");

            Assert.True(exitCode == 0, $"exit {exitCode}\n{output}");
            Assert.Contains("PASS resource_exhausted", output, StringComparison.Ordinal);
        }
        finally
        {
            admission.Exit();
        }

        var metrics = new PrometheusScrape(await server.GetMetricsAsync());
        Assert.Equal(1, metrics.Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "RESOURCE_EXHAUSTED")));
    }

    [PeerFact(Peers.Python)]
    public async Task GrpcioHealthWatch_SeesServingThenNotServing_WhenTheServerIsSentSigterm()
    {
        Peers.Require(Peers.Python);
        var server = await ServerProcess.StartAsync(
            null, "--model", RepoPaths.Iris(1), "--name", "iris", "--version", "1", "--host", "127.0.0.1", "--port", "0", "--http-port", "0");
        using var process = server.Process;
        try
        {
            using var http = new HttpClient { BaseAddress = server.Http };
            await Wait.UntilAsync(async () => (await TryGetAsync(http, "/readyz")) == System.Net.HttpStatusCode.OK, "the server to be ready");

            var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var python = StartPython(server.Grpc, ["watch_until_not_serving"], line =>
            {
                if (line == "WATCH SERVING")
                {
                    watching.TrySetResult();
                }
            });
            using (python.Process)
            {
                await watching.Task.WaitAsync(Timeout);
                ServerProcess.Terminate(process);

                var exitCode = await python.ExitAsync();
                Assert.True(exitCode == 0, $"exit {exitCode}\n{python.Output()}");
                Assert.Contains("PASS watch_until_not_serving", python.Output(), StringComparison.Ordinal);
            }

            await process.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(Uri address, params string[] cases)
    {
        var python = StartPython(address, cases, _ => { });
        using (python.Process)
        {
            return (await python.ExitAsync(), python.Output());
        }
    }

    /// <summary>Starts oip_client.py; <paramref name="onLine"/> sees each line it prints.</summary>
    private static PythonClient StartPython(Uri address, string[] cases, Action<string> onLine)
    {
        var info = ChildProcess.StartInfo(
            Peers.PythonInterpreter,
            [Path.Combine(AppContext.BaseDirectory, "interop", "oip_client.py"), $"{address.Host}:{address.Port}", RepoPaths.Protos, RepoPaths.IrisExpected(1), .. cases],
            new Dictionary<string, string?> { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null });
        var process = Process.Start(info)!;
        var output = new StringBuilder();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ended.TrySetResult();
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            onLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PythonClient(process, ended.Task, () =>
        {
            lock (output)
            {
                return output.ToString();
            }
        });
    }

    private static async Task<System.Net.HttpStatusCode?> TryGetAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private sealed record PythonClient(Process Process, Task OutputEnded, Func<string> Output)
    {
        public async Task<int> ExitAsync()
        {
            try
            {
                await Process.WaitForExitAsync().WaitAsync(Timeout);
                await OutputEnded.WaitAsync(Timeout);
            }
            finally
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                }
            }

            return Process.ExitCode;
        }
    }
}
