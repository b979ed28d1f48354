using Inference.Router.Upstream;

namespace Inference.Router.Routing;

/// <summary>Where one request goes and how its response is tagged.</summary>
/// <param name="Group">The group that serves the call (control when it fell back), as tagged and counted.</param>
/// <param name="FallbackFrom">
/// The group the call was assigned to when its version had no healthy endpoint and control served it instead; null
/// otherwise. Such calls count for the serving group, not the assigned one: per-group experiment statistics exclude
/// them from the assigned group.
/// </param>
internal readonly record struct RouteDecision(ModelRoute Model, VersionPool Pool, string Experiment, string Group, string? FallbackFrom = null)
{
    /// <summary>Whether the experiment's weights chose the group (sticky key or random bucket), not a pin or an override.</summary>
    public bool ByWeight { get; init; }

    /// <summary>
    /// This decision served by the experiment's control group when its own version has no endpoint that passes its
    /// health checks and the experiment allows it; otherwise unchanged. Pinned calls named their version and never
    /// fall back.
    /// </summary>
    /// <param name="exhausted">The version's endpoints all failed this call already: fall back even if they still pass their health checks.</param>
    public RouteDecision WithFallback(bool exhausted = false)
    {
        var experiment = Model.Experiment;
        if (!experiment.FallbackToControl || FallbackFrom is not null || Group == Inference.Contracts.InferenceHeaders.PinnedGroup)
        {
            return this;
        }

        var control = experiment.Control;
        if (control.Pool == Pool || (!exhausted && Pool.CanServe()) || !control.Pool.CanServe())
        {
            return this;
        }

        return new RouteDecision(Model, control.Pool, Experiment, control.Name, Group);
    }
}
