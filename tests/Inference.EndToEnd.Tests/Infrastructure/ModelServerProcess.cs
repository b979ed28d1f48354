using System.Text.RegularExpressions;
using Inference.Client;
using Grpc.Net.Client;
using CallFailedException = Inference.Testing.CallFailedException;
using OipTestClient = Inference.Testing.OipTestClient;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The real model server executable serving one iris version on 127.0.0.1 with free ports.</summary>
internal sealed partial class ModelServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private ModelServerProcess(ChildProcess process, string version, Uri grpc, Uri http)
    {
        Process = process;
        Version = version;
        GrpcAddress = grpc;
        HttpAddress = http;
        Http = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(30) };
        Channel = GrpcChannel.ForAddress(grpc);
        Client = new OipTestClient(Channel);
    }

    public ChildProcess Process { get; }

    public string Version { get; }

    public Uri GrpcAddress { get; }

    public Uri HttpAddress { get; }

    /// <summary>The endpoint as the router's configuration names it: <c>http://127.0.0.1:port</c>.</summary>
    public string Endpoint => $"http://{GrpcAddress.Host}:{GrpcAddress.Port}";

    public HttpClient Http { get; }

    public GrpcChannel Channel { get; }

    /// <summary>A client talking to this server directly (not through the router).</summary>
    public OipTestClient Client { get; }

    /// <summary>Starts <paramref name="assembly"/> (default: the build next to the tests) and waits until the model is warm.</summary>
    public static async Task<ModelServerProcess> StartAsync(string version, string? assembly = null, params string[] extraArguments)
    {
        string[] arguments =
        [
            "--model", RepoPaths.IrisModel(version), "--name", "iris", "--version", version,
            "--host", "127.0.0.1", "--port", "0", "--http-port", "0",
            // One ONNX Runtime thread per Run and room for every caller of a test: the machine is small and
            // shared, and a queue timeout would turn slowness into failures.
            "--intra-op-threads", "1", "--max-in-flight", "64", "--queue-timeout-ms", "30000",
            .. extraArguments,
        ];
        var process = ChildProcess.StartDotnet($"model server iris v{version}", assembly ?? RepoPaths.BuiltModelServer, arguments);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            await process.WaitForLineAsync(ReadyLine(), StartTimeout);
            return new ModelServerProcess(process, version, new Uri(listening.Groups["grpc"].Value), new Uri(listening.Groups["http"].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one server per version given, in parallel; on any failure stops those that started.</summary>
    public static Task<ModelServerProcess[]> StartManyAsync(params string[] versions) => AwaitAllAsync(versions.Select(v => StartAsync(v)).ToArray());

    /// <summary>Waits for servers being started; on any failure stops those that started.</summary>
    public static async Task<ModelServerProcess[]> AwaitAllAsync(params Task<ModelServerProcess>[] starts)
    {
        try
        {
            return await Task.WhenAll(starts);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            throw;
        }
    }

    public async Task<PrometheusScrape> ScrapeAsync() => new(await Http.GetStringAsync("/metrics"));

    /// <summary>ModelInfer calls this server answered with OK, by its own count.</summary>
    public async Task<double> InferOkCountAsync() =>
        (await ScrapeAsync()).Find("inference_requests_total", ("method", "ModelInfer"), ("grpc_code", "OK")) ?? 0;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Http.Dispose();
        await Process.DisposeAsync();
    }

    [GeneratedRegex(@"Listening: grpc=(?<grpc>http://127\.0\.0\.1:[0-9]+) http=(?<http>http://127\.0\.0\.1:[0-9]+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Ready: model iris version ")]
    private static partial Regex ReadyLine();
}
