namespace Inference.Experiments.Admin;

/// <summary>One version of a model: the endpoints the instance resolved and whether it is in panic mode.</summary>
internal sealed record VersionView
{
    public List<EndpointView> Endpoints { get; init; } = [];

    /// <summary>No endpoint passes its checks, so the instance sends to all of them anyway.</summary>
    public bool Panic { get; init; }
}
