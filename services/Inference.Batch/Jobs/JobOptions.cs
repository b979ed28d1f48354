using Inference.Batch.Tables;

namespace Inference.Batch.Jobs;

/// <summary>What a batch job does, as the command line gives it.</summary>
internal sealed record JobOptions
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    /// <summary>In-process: the ONNX file.</summary>
    public string? ModelFile { get; init; }

    /// <summary>Remote: a model server's or the router's gRPC address.</summary>
    public string? Address { get; init; }

    public string? Name { get; init; }

    public string? Version { get; init; }

    public TableFormat? Format { get; init; }

    public TableFormat? OutputFormat { get; init; }

    public IReadOnlyList<InputMapping> Map { get; init; } = [];

    public int BatchSize { get; init; } = 1024;

    public int ChunkRows { get; init; } = 65536;

    public Shard Shard { get; init; } = Shard.Whole;

    public long MaxErrors { get; init; }

    public string? Checkpoint { get; init; }

    public string? Errors { get; init; }

    public string OutputPrefix { get; init; } = "";

    /// <summary>Runs in flight at once (remote); in-process Runs overlap reading and writing, one at a time.</summary>
    public int Concurrency { get; init; } = 4;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Tries per call when the answer is UNAVAILABLE.</summary>
    public int Attempts { get; init; } = 5;

    public int IntraOpThreads { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    public string CheckpointPath => Checkpoint ?? Output + ".checkpoint";

    public string ErrorsPath => Errors ?? Output + ".errors.jsonl";
}
