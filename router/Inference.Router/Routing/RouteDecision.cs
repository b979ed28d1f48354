using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>Where one request goes and how its response is tagged.</summary>
internal readonly record struct RouteDecision(ModelRoute Model, VersionPool Pool, string Experiment, string Group)
{
    /// <summary>Whether the experiment's weights chose the group (sticky key or random bucket), not a pin or an override.</summary>
    public bool ByWeight { get; init; }
}
