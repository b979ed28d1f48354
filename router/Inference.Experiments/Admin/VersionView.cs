namespace Inference.Experiments.Admin;

/// <summary>One version of a model: the endpoints the instance resolved and whether it is in panic mode.</summary>
internal sealed record VersionView
{
    public List<EndpointView> Endpoints { get; init; } = [];

    /// <summary>No endpoint is available, so the instance sends to ejected endpoints that still pass their health checks.</summary>
    public bool Panic { get; init; }
}
