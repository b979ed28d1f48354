namespace Inference.Experiments.Admin;

/// <summary>The last rollback of an experiment while its weights are in force: who (a person's identity, or <c>guard</c>), why, when.</summary>
internal sealed record RollbackView
{
    public string By { get; init; } = "";

    public string Reason { get; init; } = "";

    /// <summary>RFC 3339, as the router wrote it.</summary>
    public string At { get; init; } = "";
}
