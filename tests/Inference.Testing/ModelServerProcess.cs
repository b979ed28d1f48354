using System.Text.RegularExpressions;
using Grpc.Net.Client;

namespace Inference.Testing;

/// <summary>
/// The real model server executable serving one model version on 127.0.0.1 with free ports, started and waited for
/// (its <c>Listening:</c> and <c>Ready:</c> log lines); stopped on dispose.
/// </summary>
public sealed partial class ModelServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Lazy<GrpcChannel> _channel;
    private readonly Lazy<OipTestClient> _client;

    private ModelServerProcess(ChildProcess process, string name, string version, Uri grpc, Uri http)
    {
        Process = process;
        Name = name;
        Version = version;
        GrpcAddress = grpc;
        HttpAddress = http;
        Http = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(30) };
        _channel = new(() => GrpcChannel.ForAddress(grpc));
        _client = new(() => new OipTestClient(_channel.Value));
    }

    public ChildProcess Process { get; }

    public string Name { get; }

    public string Version { get; }

    public Uri GrpcAddress { get; }

    public Uri HttpAddress { get; }

    /// <summary><c>host:port</c> of the gRPC port.</summary>
    public string Target => $"{GrpcAddress.Host}:{GrpcAddress.Port}";

    /// <summary>The endpoint as the router's configuration names it: <c>http://127.0.0.1:port</c>.</summary>
    public string Endpoint => GrpcAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>A client of the HTTP port (metrics, health).</summary>
    public HttpClient Http { get; }

    /// <summary>A channel to the gRPC port, made on first use.</summary>
    public GrpcChannel Channel => _channel.Value;

    /// <summary>A client talking to this server directly (not through a router).</summary>
    public OipTestClient Client => _client.Value;

    /// <summary>Starts <paramref name="model"/> as <paramref name="name"/> version <paramref name="version"/> and waits until it is warm.</summary>
    public static Task<ModelServerProcess> StartAsync(string model, string name, string version, params string[] extraArguments) =>
        StartAsync(null, model, name, version, extraArguments);

    /// <summary>As <see cref="StartAsync(string, string, string, string[])"/>, with <paramref name="environment"/> set for the process (a null value removes a variable).</summary>
    public static async Task<ModelServerProcess> StartAsync(
        IReadOnlyDictionary<string, string?>? environment, string model, string name, string version, params string[] extraArguments)
    {
        string[] arguments =
        [
            "--model", model, "--name", name, "--version", version,
            "--host", "127.0.0.1", "--port", "0", "--http-port", "0",
            // One ONNX Runtime thread per Run and room for every caller, so that a queue timeout does not turn a
            // slow moment of the small, shared test machine into failures.
            "--intra-op-threads", "1", "--max-in-flight", "64", "--queue-timeout-ms", "30000",
            .. extraArguments,
        ];
        var process = ChildProcess.StartDotnet($"model server {name} v{version}", BuiltExecutables.ModelServer, arguments, environment);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), StartTimeout);
            await process.WaitForLineAsync(ReadyLine(), StartTimeout);
            return new ModelServerProcess(process, name, version, new Uri(listening.Groups["grpc"].Value), new Uri(listening.Groups["http"].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the model server with exactly <paramref name="arguments"/> until it exits by itself (a usage or start-up failure).</summary>
    public static Task<ProcessResult> RunToExitAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        ChildProcess.RunAsync(ChildProcess.DotnetHost, [BuiltExecutables.ModelServer, .. arguments], environment, StartTimeout);

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

    /// <summary>The server's Prometheus exposition.</summary>
    public async Task<PrometheusScrape> ScrapeAsync() => new(await Http.GetStringAsync("/metrics"));

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }

        Http.Dispose();
        await Process.DisposeAsync();
    }

    [GeneratedRegex(@"Listening: grpc=(?<grpc>http://[0-9.]+:[0-9]+) http=(?<http>http://[0-9.]+:[0-9]+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Ready: model ")]
    private static partial Regex ReadyLine();
}
