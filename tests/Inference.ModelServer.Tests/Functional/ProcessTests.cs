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
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task Sigterm_DrainsInFlightRequests_AndExitsZero()
    {
        // count_loop adds 1 to x once per Loop iteration: a trip count of a few million keeps each Run busy for
        // seconds, so the three calls are certainly in flight when SIGTERM arrives, and each answer (x + trip)
        // proves it was computed in full.
        const long Trip = 2_000_000;
        var model = RepoPaths.Fixture("count_loop.onnx");
        using var process = Start(
            "--model", model, "--name", "loop", "--version", "1", "--host", "127.0.0.1", "--port", "0", "--http-port", "0",
            "--intra-op-threads", "1", "--drain-timeout-ms", "300000");
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<(Uri Grpc, Uri Http)>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The server exited before listening:\n" + output));
                return;
            }

            lock (output)
            {
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
            using var httpClient = new HttpClient { BaseAddress = http };
            await Wait.UntilAsync(async () => (await GetAsync(httpClient, "/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to report ready");

            using var channel = GrpcChannel.ForAddress(grpc);
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
            lock (output)
            {
                Assert.Contains("Draining:", output.ToString(), StringComparison.Ordinal);
                Assert.Contains("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model))), output.ToString(), StringComparison.Ordinal);
            }
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
        using var process = Start("--name", "iris");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Missing required options: --model, --version", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableModel_ExitsOne()
    {
        using var process = Start("--model", Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".onnx"), "--name", "m", "--version", "1", "--port", "0", "--http-port", "0");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Cannot serve model", await stderr, StringComparison.Ordinal);
    }

    private static Process Start(params string[] arguments)
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

        return Process.Start(info) ?? throw new InvalidOperationException("The server did not start.");
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
}
