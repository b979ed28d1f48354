using System.Text.RegularExpressions;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Two v2 replicas (one to stop, one to survive) behind a router of their own with a 50/50
/// experiment; version 1 is the shared stack's server.
/// </summary>
internal sealed class ReplicaPair : IAsyncDisposable
{
    /// <summary>
    /// How long the replica to stop keeps serving after SIGTERM while reporting NOT_SERVING (a Kubernetes
    /// deployment gives the same time with a drain delay or a preStop hook): ten of the router's 0.2 s
    /// health-check intervals, so it leaves rotation before it closes its connections even on a busy machine.
    /// </summary>
    public const string DrainDelayMs = "2000";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private ReplicaPair(ModelServerProcess stopping, ModelServerProcess surviving, RouterProcess router)
    {
        Stopping = stopping;
        Surviving = surviving;
        Router = router;
    }

    public ModelServerProcess Stopping { get; }

    public ModelServerProcess Surviving { get; }

    public RouterProcess Router { get; }

    public static async Task<ReplicaPair> StartAsync(IrisStack stack)
    {
        var replicas = await ModelServerProcess.AwaitAllAsync(
            ModelServerProcess.StartAsync("2", extraArguments: ["--drain-delay-ms", DrainDelayMs]),
            ModelServerProcess.StartAsync("2"));
        try
        {
            var router = await RouterProcess.StartAsync(RouterConfigFile.Iris([stack.V1.Endpoint], [replicas[0].Endpoint, replicas[1].Endpoint], 50, 50));
            return new ReplicaPair(replicas[0], replicas[1], router);
        }
        catch
        {
            await replicas[0].DisposeAsync();
            await replicas[1].DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the router logs that the stopped replica is unhealthy or ejected, and checks its admin view agrees.</summary>
    public async Task WaitUntilOutOfRotationAsync()
    {
        var endpoint = Regex.Escape(Stopping.Endpoint);
        await Router.Process.WaitForLineAsync(new Regex($"Endpoint {endpoint} (\\(\\S+\\) is now unhealthy|of model 'iris' version '2' ejected)"), Patience);
        Assert.False(await Router.IsAvailableAsync(Stopping.Endpoint));
        Assert.True(await Router.IsAvailableAsync(Surviving.Endpoint));
    }

    /// <summary>The router's and the stopped replica's logs, for failure messages.</summary>
    public string Logs() => $"router log:\n{Router.Process.Output}\nstopped replica's log:\n{Stopping.Process.Output}";

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await Stopping.DisposeAsync();
        await Surviving.DisposeAsync();
    }
}
