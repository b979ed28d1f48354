namespace Inference.Experiments.Admin;

/// <summary>A refusal: <c>{"error": …}</c>, plus the current revision on a 412.</summary>
internal sealed record ErrorView
{
    public string? Error { get; init; }

    public long? Revision { get; init; }
}
