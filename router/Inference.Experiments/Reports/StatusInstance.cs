namespace Inference.Experiments.Reports;

/// <summary>One instance's status, or why it could not be read (<see cref="Error"/>).</summary>
internal sealed record StatusInstance
{
    public required string Instance { get; init; }

    public long? Revision { get; init; }

    public bool? Ready { get; init; }

    public IReadOnlyDictionary<string, StatusModel>? Models { get; init; }

    public int? StatusCode { get; init; }

    public string? Error { get; init; }
}
