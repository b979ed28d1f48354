namespace Inference.ModelServer.Tests;

/// <summary>A server process that has logged its Listening line; disposing it kills the process if it still runs.</summary>
internal sealed record StartedServer(ChildProcess Process, Uri Grpc, Uri Http) : IAsyncDisposable
{
    /// <summary>What the process has said so far.</summary>
    public string Output() => Process.Output;

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
