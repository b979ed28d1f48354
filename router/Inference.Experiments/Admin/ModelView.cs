namespace Inference.Experiments.Admin;

/// <summary>One model in <c>GET /admin/models</c>: its versions' endpoints and its experiment.</summary>
internal sealed record ModelView
{
    public Dictionary<string, VersionView> Versions { get; init; } = [];

    public required ExperimentView Experiment { get; init; }
}
