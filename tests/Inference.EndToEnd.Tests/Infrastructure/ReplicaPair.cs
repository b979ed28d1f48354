using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Two v2 replicas (one to stop, one to survive) behind a router of their own with a 50/50
/// experiment; version 1 is the shared stack's server. Everything runs with its production defaults
/// (the model server's drain delay, the router's health-check interval and timeout, ejection time):
/// what keeps a stopped replica's calls from failing is the router's health Watch, not test tuning.
/// </summary>
internal sealed class ReplicaPair : IAsyncDisposable
{
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
            IrisServer.StartAsync("2"),
            IrisServer.StartAsync("2"));
        try
        {
            var config = JsonNode.Parse(RouterConfigFile.Iris([stack.V1.Endpoint], [replicas[0].Endpoint, replicas[1].Endpoint], 50, 50))!.AsObject();
            foreach (var tuning in new[] { "healthCheckIntervalSeconds", "healthCheckTimeoutSeconds", "ejectionSeconds" })
            {
                Assert.True(config.Remove(tuning), $"the test configuration no longer sets {tuning}");
            }

            var router = await RouterProcess.StartAsync(config.ToJsonString());
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
