using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.Grpc.Client;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>The real executable: ports from its log line, and SIGTERM drains in-flight requests before exit 0.</summary>
public sealed partial class ProcessTests
{
    private const int SigTerm = 15;
    private const string LibraryVariable = "INFERENCE_ONNXRUNTIME_LIBRARY";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task Sigterm_DrainsInFlightRequests_AndExitsZero()
    {
        // count_loop adds 1 to x once per Loop iteration: a trip count of a few million keeps each Run busy for
        // seconds, so the three calls are certainly in flight when SIGTERM arrives, and each answer (x + trip)
        // proves it was computed in full.
        const long Trip = 2_000_000;
        var model = RepoPaths.Fixture("count_loop.onnx");
        var server = await StartServerAsync(
            null,
            "--model", model, "--name", "loop", "--version", "1", "--host", "127.0.0.1", "--port", "0", "--http-port", "0",
            "--intra-op-threads", "1", "--drain-timeout-ms", "300000");
        using var process = server.Process;
        try
        {
            using var httpClient = new HttpClient { BaseAddress = server.Http };
            await Wait.UntilAsync(async () => (await GetAsync(httpClient, "/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to report ready");

            using var channel = GrpcChannel.ForAddress(server.Grpc);
            var client = new InferenceClient(channel);
            var calls = Enumerable.Range(0, 3).Select(row => client.ModelInferAsync(
                new ModelInferRequest { ModelName = "loop", Id = $"row{row}" }
                    .AddInput<long>("trip", [Trip], [1])
                    .AddInput<float>("x", [row], [1]))).ToArray();
            await Wait.UntilAsync(async () => await InFlightAsync(httpClient) == 3, "three requests in flight");

            Assert.Equal(0, Kill(process.Id, SigTerm));

            var responses = await Task.WhenAll(calls).WaitAsync(Timeout);
            for (var row = 0; row < 3; row++)
            {
                Assert.Equal($"row{row}", responses[row].Message.Id);
                Assert.Equal([row + (float)Trip], responses[row].Message.GetOutput<float>("y").Data);
                Assert.Equal(("loop", "1"), (responses[row].Tags.ModelName, responses[row].Tags.ModelVersion));
            }

            await process.WaitForExitAsync().WaitAsync(Timeout);
            Assert.Equal(0, process.ExitCode);
            var output = server.Output();
            Assert.Contains("Draining:", output, StringComparison.Ordinal);
            Assert.Contains("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model))), output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task MissingRequiredOption_ExitsTwoWithUsage()
    {
        var (exitCode, _, stderr) = await RunToExitAsync(null, "--name", "iris");

        Assert.Equal(2, exitCode);
        Assert.Contains("Missing required options: --model, --version", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableModel_ExitsOne()
    {
        var (exitCode, _, stderr) = await RunToExitAsync(
            null, "--model", Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".onnx"), "--name", "m", "--version", "1", "--port", "0", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot serve model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnavailableExecutionProvider_ExitsOne_NamingItAndTheAvailableOnes()
    {
        var (exitCode, _, stderr) = await RunToExitAsync(
            null, "--model", RepoPaths.Iris(1), "--name", "iris", "--version", "1", "--port", "0", "--http-port", "0",
            "--execution-provider", "nosuchprovider");

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot serve model", stderr, StringComparison.Ordinal);
        Assert.Contains("Execution provider 'nosuchprovider' is not available in ONNX Runtime 1.30.0", stderr, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingWarmUp_ExitsOne_AfterLoggingWhy()
    {
        var (exitCode, stdout, _) = await RunToExitAsync(
            null, "--model", RepoPaths.Fixture("broken_reshape.onnx"), "--name", "broken", "--version", "1", "--host", "127.0.0.1",
            "--port", "0", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains("Listening: grpc=", stdout, StringComparison.Ordinal);
        Assert.Contains("Warm-up failed: model broken version 1", stdout, StringComparison.Ordinal);
        Assert.Contains("--no-warmup", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Ready: model", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnnxRuntimeLibraryVariable_LoadsTheNamedFile_UnderAnyName()
    {
        // A copy under a name the default search would never find: only the variable can lead to it.
        var directory = Directory.CreateTempSubdirectory("ort-override-");
        try
        {
            var copy = Path.Combine(directory.FullName, "onnxruntime-under-another-name.so");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so.1"), copy);
            var server = await StartServerAsync(
                new Dictionary<string, string> { [LibraryVariable] = copy },
                "--model", RepoPaths.Iris(1), "--name", "iris", "--version", "1", "--host", "127.0.0.1", "--port", "0", "--http-port", "0");
            using (server.Process)
            {
                try
                {
                    using var channel = GrpcChannel.ForAddress(server.Grpc);
                    var response = await new InferenceClient(channel).ModelInferAsync(
                        new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]));
                    Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
                    Assert.Contains($"onnxruntime=1.30.0 library={copy}", server.Output(), StringComparison.Ordinal);

                    Assert.Equal(0, Kill(server.Process.Id, SigTerm));
                    await server.Process.WaitForExitAsync().WaitAsync(Timeout);
                    Assert.Equal(0, server.Process.ExitCode);
                }
                finally
                {
                    if (!server.Process.HasExited)
                    {
                        server.Process.Kill(entireProcessTree: true);
                    }
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task OnnxRuntimeLibraryVariable_NamingAMissingFile_ExitsOne_Clearly()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "libonnxruntime.so.1");

        var (exitCode, _, stderr) = await RunToExitAsync(
            new Dictionary<string, string> { [LibraryVariable] = missing },
            "--model", RepoPaths.Iris(1), "--name", "iris", "--version", "1", "--port", "0", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains($"{LibraryVariable} is set to '{missing}', but that library could not be loaded", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    private static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Inference.ModelServer.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The child finds ONNX Runtime as a deployed server would, unless a test says otherwise.
        info.Environment.Remove(LibraryVariable);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("The server did not start.");
    }

    /// <summary>Runs the server until it exits by itself.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(
        IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the server and waits for its Listening line.</summary>
    private static async Task<StartedServer> StartServerAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var process = Start(environment, arguments);
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<(Uri Grpc, Uri Http)>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                if (e.Data is null)
                {
                    listening.TrySetException(new InvalidOperationException("The server exited before listening:\n" + output));
                    return;
                }

                output.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult((new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value)));
            }
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
        try
        {
            var (grpc, http) = await listening.Task.WaitAsync(Timeout);
            return new StartedServer(process, grpc, http, () =>
            {
                lock (output)
                {
                    return output.ToString();
                }
            });
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path)
    {
        try
        {
            return await client.GetAsync(path);
        }
        catch (HttpRequestException)
        {
            return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        }
    }

    private static async Task<long> InFlightAsync(HttpClient client)
    {
        using var response = await GetAsync(client, "/readyz");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("inFlight").GetInt64();
    }

    [GeneratedRegex(@"Listening: grpc=(\S+) http=(\S+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed record StartedServer(Process Process, Uri Grpc, Uri Http, Func<string> Output);
}
