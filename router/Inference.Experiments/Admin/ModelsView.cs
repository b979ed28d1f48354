namespace Inference.Experiments.Admin;

/// <summary>The answer of <c>GET /admin/models</c>: one instance's routing state at one revision.</summary>
internal sealed record ModelsView
{
    public required long Revision { get; init; }

    public bool Ready { get; init; }

    public required Dictionary<string, ModelView> Models { get; init; }
}
