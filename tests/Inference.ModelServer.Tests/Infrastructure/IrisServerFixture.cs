namespace Inference.ModelServer.Tests;

/// <summary>One iris v1 server shared by a test class.</summary>
public sealed class IrisServerFixture : IAsyncLifetime
{
    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(RepoPaths.IrisModel(1));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
