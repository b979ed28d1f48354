namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The stack most tests share: the real model servers for iris v1 and v2 and a router in front of
/// them with a 90/10 experiment. Tests that change weights or stop replicas start their own router
/// or replicas next to these servers and leave this router's state alone.
/// </summary>
public sealed class IrisStack : IAsyncLifetime
{
    internal static readonly Weights Split = new(90, 10);

    internal ModelServerProcess V1 { get; private set; } = null!;

    internal ModelServerProcess V2 { get; private set; } = null!;

    internal RouterProcess Router { get; private set; } = null!;

    internal ModelServerProcess Server(string version) => version == "1" ? V1 : V2;

    public async Task InitializeAsync()
    {
        var servers = await IrisServer.StartManyAsync("1", "2");
        (V1, V2) = (servers[0], servers[1]);
        Router = await RouterProcess.StartAsync(RouterConfigFile.Iris([V1.Endpoint], [V2.Endpoint], Split.Control, Split.Treatment));
    }

    // xunit calls this even when InitializeAsync failed part-way: stop whatever started.
    public async Task DisposeAsync()
    {
        if (Router is not null)
        {
            await Router.DisposeAsync();
        }

        if (V1 is not null)
        {
            await V1.DisposeAsync();
        }

        if (V2 is not null)
        {
            await V2.DisposeAsync();
        }
    }
}
