using Inference.Testing;

namespace Inference.Batch.Tests.Support;

/// <summary>One real model server serving iris version 1, shared by the tests of a collection.</summary>
public sealed class IrisServer : IAsyncLifetime
{
    private ModelServerProcess? _server;

    public ModelServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public string Target => Server.Target;

    public async Task InitializeAsync() => _server = await ModelServerProcess.StartAsync(RepoPaths.IrisModel(1), "iris", "1");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class IrisServerCollection : ICollectionFixture<IrisServer>
{
    public const string Name = "iris model server";
}
