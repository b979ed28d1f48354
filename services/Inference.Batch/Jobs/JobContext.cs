using Inference.Batch.Scoring;

namespace Inference.Batch.Jobs;

/// <summary>What a job touches besides its files: where notes and progress go, time, randomness, how scorers open.</summary>
internal sealed record JobContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether stderr is a terminal (a live progress line) or a log (periodic lines).</summary>
    public bool ErrorIsTerminal { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Random Random { get; init; } = new();

    /// <summary>Opens the in-process scorer for <c>--model</c>.</summary>
    public Func<JobOptions, CancellationToken, Task<IModelScorer>>? OpenInProcess { get; init; }
}
