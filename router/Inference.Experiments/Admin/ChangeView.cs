namespace Inference.Experiments.Admin;

/// <summary>The answer to an applied change (<c>PUT …/weights</c>, <c>POST …/rollback</c>).</summary>
internal sealed record ChangeView
{
    public required string Experiment { get; init; }

    public required Dictionary<string, decimal> Before { get; init; }

    public required Dictionary<string, decimal> After { get; init; }

    public required long Revision { get; init; }

    /// <summary>Whether the instance wrote its state file; absent (null) when it keeps none.</summary>
    public bool? Persisted { get; init; }
}
