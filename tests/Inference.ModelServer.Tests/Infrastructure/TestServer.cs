using Grpc.Net.Client;
using Inference.ModelServer.Configuration;
using Inference.ModelServer.Hosting;
using OpenTelemetry.Trace;

namespace Inference.ModelServer.Tests;

/// <summary>A model server hosted in this process on 127.0.0.1 with free ports, plus a client for it.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private TestServer(ModelServerHost host, GrpcChannel channel)
    {
        Host = host;
        Channel = channel;
        Client = new OipTestClient(channel);
        Http = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ModelServerHost Host { get; }

    public GrpcChannel Channel { get; }

    public OipTestClient Client { get; }

    public HttpClient Http { get; }

    public string ModelName => Host.Options.ModelName;

    public string ModelVersion => Host.Options.ModelVersion;

    public static ModelServerOptions Options(string modelPath, string name = "iris", string version = "1") => new()
    {
        ModelPath = modelPath,
        ModelName = name,
        ModelVersion = version,
        Host = "127.0.0.1",
        GrpcPort = 0,
        HttpPort = 0,
        IntraOpThreads = 1,
        DrainDelay = TimeSpan.Zero, // no router in front: stopping need not wait (drain tests set their own)
    };

    public static Task<TestServer> StartAsync(string modelPath, string name = "iris", string version = "1") =>
        StartAsync(Options(modelPath, name, version));

    public static Task<TestServer> StartAsync(
        ModelServerOptions options, LogCapture? logs = null, TimeProvider? time = null, Action<TracerProviderBuilder>? tracing = null) =>
        StartAsync(ModelServerHost.Build(options, logging => logs?.AddTo(logging), time ?? TimeProvider.System, tracing));

    /// <summary>Starts a host built by the test, and waits until it is ready.</summary>
    public static async Task<TestServer> StartAsync(ModelServerHost host)
    {
        try
        {
            await host.StartAsync();
            await host.State.WhenWarm.WaitAsync(ReadyTimeout);
            return new TestServer(host, GrpcChannel.ForAddress(host.GrpcAddress));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async Task<string> GetMetricsAsync() => await Http.GetStringAsync("/metrics");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Channel.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
    }
}
