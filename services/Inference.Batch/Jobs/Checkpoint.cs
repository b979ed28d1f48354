using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Batch.Output;

namespace Inference.Batch.Jobs;

/// <summary>
/// What a job has committed: written after every committed chunk (temporary file, flushed, renamed, directory
/// flushed), read on start to resume. <see cref="Job"/> names the job, so a checkpoint is never applied to another
/// input, model or set of options.
/// </summary>
internal sealed record Checkpoint
{
    public required JobIdentity Job { get; init; }

    /// <summary>The next row to read (0-based in the file): every row before it is in the output or the error file.</summary>
    public required long NextRow { get; init; }

    /// <summary>The end of the shard's rows (exclusive); null when it is the end of the file.</summary>
    public long? EndRow { get; init; }

    public required long RowsWritten { get; init; }

    public required long RowsFailed { get; init; }

    public required long OutputBytes { get; init; }

    public required int OutputParts { get; init; }

    public required long ErrorBytes { get; init; }

    /// <summary>Every row is committed; only the output's completion (Parquet parts merged) may remain.</summary>
    public bool Finished { get; init; }

    [JsonIgnore]
    public OutputPosition Output => new(OutputBytes, OutputParts);

    public static Checkpoint? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJsonContext.Default.Checkpoint)
                ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new JobException($"the checkpoint {path} is not readable ({ex.Message}); delete it to start over");
        }
    }

    public void Write(string path) => DurableFile.Replace(path, JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJsonContext.Default.Checkpoint));
}

/// <summary>Everything that decides a job's output: a checkpoint resumes only the job it was written by.</summary>
internal sealed record JobIdentity
{
    public required string Input { get; init; }

    public required long InputBytes { get; init; }

    public required DateTime InputModified { get; init; }

    public required string Output { get; init; }

    public required string Format { get; init; }

    public required string OutputFormat { get; init; }

    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    public required string ModelSha256 { get; init; }

    public required string Mapping { get; init; }

    public required int BatchSize { get; init; }

    public required int ChunkRows { get; init; }

    public required string Shard { get; init; }

    public required string OutputPrefix { get; init; }

    /// <summary>The first field that differs from <paramref name="other"/>, for the message; null when equal.</summary>
    public string? Difference(JobIdentity other)
    {
        var mine = JsonSerializer.SerializeToElement(this, CheckpointJsonContext.Default.JobIdentity);
        var theirs = JsonSerializer.SerializeToElement(other, CheckpointJsonContext.Default.JobIdentity);
        foreach (var property in mine.EnumerateObject())
        {
            var value = theirs.GetProperty(property.Name);
            if (property.Value.GetRawText() != value.GetRawText())
            {
                return $"{property.Name} was {value.GetRawText()}, is {property.Value.GetRawText()}";
            }
        }

        return null;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(Checkpoint))]
[JsonSerializable(typeof(JobIdentity))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
