namespace Inference.Grpc.Tests;

/// <summary>One echo server shared by a test class.</summary>
public sealed class TestServerFixture : IAsyncLifetime
{
    internal TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
