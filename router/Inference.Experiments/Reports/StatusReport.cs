namespace Inference.Experiments.Reports;

/// <summary>The status of every instance and the models they disagree on.</summary>
internal sealed record StatusReport
{
    public string Command => "status";

    /// <summary>The model asked about; null for all.</summary>
    public string? Model { get; init; }

    public required IReadOnlyList<StatusInstance> Instances { get; init; }

    public required int Failed { get; init; }

    public required IReadOnlyList<DivergedModel> Diverged { get; init; }

    public required int ExitCode { get; init; }
}
