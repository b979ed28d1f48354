namespace Inference.Experiments.Admin;

/// <summary>One resolved endpoint of a version, as the instance sees it.</summary>
internal sealed record EndpointView
{
    public bool Healthy { get; init; }

    public bool Available { get; init; }
}
