using System.Net;
using System.Text.Json;
using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>The real executable: ports from its log line, and SIGTERM drains in-flight requests before exit 0.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Sigterm_DrainsInFlightRequests_AndExitsZero()
    {
        // count_loop adds 1 to x once per Loop iteration: a trip count of a few million keeps each Run busy for
        // seconds, so the three calls are certainly in flight when SIGTERM arrives, and each answer (x + trip)
        // proves it was computed in full.
        const long Trip = 2_000_000;
        var model = RepoPaths.Fixture("count_loop.onnx");
        var server = await ModelServerProcess.StartAsync(model, "loop", "1", "--drain-timeout-ms", "300000");
        await using (server)
        {
            var httpClient = server.Http;
            await Wait.UntilAsync(async () => (await GetAsync(httpClient, "/readyz")).StatusCode == HttpStatusCode.OK, "/readyz to report ready");

            var client = server.Client;
            var calls = Enumerable.Range(0, 3).Select(row => client.ModelInferAsync(
                new ModelInferRequest { ModelName = "loop", Id = $"row{row}" }
                    .AddInput<long>("trip", [Trip], [1])
                    .AddInput<float>("x", [row], [1]))).ToArray();
            await Wait.UntilAsync(async () => await InFlightAsync(httpClient) == 3, "three requests in flight");

            server.Process.Signal(Signals.Term);

            var responses = await Task.WhenAll(calls).WaitAsync(Timeout);
            for (var row = 0; row < 3; row++)
            {
                Assert.Equal($"row{row}", responses[row].Message.Id);
                Assert.Equal([row + (float)Trip], responses[row].Message.GetOutput<float>("y").Data);
                Assert.Equal(("loop", "1"), (responses[row].Tags.ModelName, responses[row].Tags.ModelVersion));
            }

            Assert.Equal(0, await server.Process.WaitForExitAsync(Timeout));
            var output = server.Process.Output;
            Assert.Contains("Draining:", output, StringComparison.Ordinal);
            Assert.Contains("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model))), output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MissingRequiredOption_ExitsTwoWithUsage()
    {
        var (exitCode, _, stderr) = await ModelServerProcess.RunToExitAsync(null, "--name", "iris");

        Assert.Equal(2, exitCode);
        Assert.Contains("Missing required options: --model, --version", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableModel_ExitsOne()
    {
        var (exitCode, _, stderr) = await ModelServerProcess.RunToExitAsync(
            null, "--model", Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".onnx"), "--name", "m", "--version", "1", "--port", "0", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot serve model", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnavailableExecutionProvider_ExitsOne_NamingItAndTheAvailableOnes()
    {
        var (exitCode, _, stderr) = await ModelServerProcess.RunToExitAsync(
            null, "--model", RepoPaths.IrisModel(1), "--name", "iris", "--version", "1", "--port", "0", "--http-port", "0",
            "--execution-provider", "nosuchprovider");

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot serve model", stderr, StringComparison.Ordinal);
        Assert.Contains("Execution provider 'nosuchprovider' is not available in ONNX Runtime 1.32.0", stderr, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingWarmUp_ExitsOne_AfterLoggingWhy()
    {
        var (exitCode, stdout, _) = await ModelServerProcess.RunToExitAsync(
            null, "--model", RepoPaths.Fixture("broken_reshape.onnx"), "--name", "broken", "--version", "1", "--host", "127.0.0.1",
            "--port", "0", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains("Listening: grpc=", stdout, StringComparison.Ordinal);
        Assert.Contains("Warm-up failed: model broken version 1", stdout, StringComparison.Ordinal);
        Assert.Contains("--no-warmup", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Ready: model", stdout, StringComparison.Ordinal);
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

}
