namespace Inference.Engine.Execution;

/// <summary>How many requests an engine admits at once, how long others wait, and whether it batches them.</summary>
public sealed record EngineOptions
{
    /// <summary>
    /// Inferences admitted at once (running or waiting in the batcher). With batching, never fewer than
    /// <see cref="MaxBatchSize"/> (the engine raises it).
    /// </summary>
    public int MaxInFlight { get; init; } = Math.Max(4, Environment.ProcessorCount * 4);

    /// <summary>How long a request beyond <see cref="MaxInFlight"/> waits for a slot before RESOURCE_EXHAUSTED.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Merge concurrent requests along dimension 0 into one Run.</summary>
    public bool Batching { get; init; }

    /// <summary>Most rows in one merged Run.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>How long a waiting batch waits behind running ones before it runs alongside them.</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMicroseconds(500);
}
