using System.Collections.Concurrent;

namespace Inference.ModelServer.Tests;

/// <summary>Servers for fixture models (tests/models/fixtures), started on first use and shared by a test class.</summary>
public sealed class FixtureServers : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TestServer>>> _servers = new(StringComparer.Ordinal);

    /// <summary>The server of <c>fixtures/&lt;file&gt;</c>, serving it as model "fixture" version "1".</summary>
    internal Task<TestServer> GetAsync(string file) =>
        _servers.GetOrAdd(file, f => new Lazy<Task<TestServer>>(() => TestServer.StartAsync(RepoPaths.Fixture(f), "fixture", "1"))).Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated))
        {
            if (server.Value.IsCompletedSuccessfully)
            {
                await server.Value.Result.DisposeAsync();
            }
        }
    }
}
