using Inference.Contracts;
using Microsoft.Extensions.Primitives;

namespace Inference.Router.Routing;

/// <summary>The assignment rule: version pin, then group override, then sticky or random bucket.</summary>
internal static class RequestRouter
{
    /// <param name="getHeader">Reads a request header; empty when absent.</param>
    public static RouteOutcome Route<TState>(
        RoutingSnapshot snapshot,
        ReadOnlySpan<char> model,
        ReadOnlySpan<char> version,
        Func<TState, string, StringValues> getHeader,
        TState state,
        IRandomSource random,
        out RouteDecision decision,
        out ModelRoute? modelRoute)
    {
        decision = default;
        modelRoute = null;
        if (model.IsEmpty)
        {
            return RouteOutcome.NoModelName;
        }

        var route = snapshot.FindModel(model);
        if (route is null)
        {
            return RouteOutcome.UnknownModel;
        }

        modelRoute = route;
        var experiment = route.Experiment;
        if (!version.IsEmpty)
        {
            var pool = route.FindVersion(version);
            if (pool is null)
            {
                return RouteOutcome.UnknownVersion;
            }

            decision = new RouteDecision(route, pool, experiment.Name, InferenceHeaders.PinnedGroup);
            return RouteOutcome.Routed;
        }

        if (experiment.AllowOverride)
        {
            var requested = getHeader(state, InferenceHeaders.ExperimentGroup);
            if (!StringValues.IsNullOrEmpty(requested))
            {
                var group = experiment.FindGroup(requested[0]);
                if (group is null)
                {
                    return RouteOutcome.UnknownGroup;
                }

                decision = new RouteDecision(route, group.Pool, experiment.Name, group.Name);
                return RouteOutcome.Routed;
            }
        }

        int bucket;
        var key = experiment.StickyHeader is null ? default : getHeader(state, experiment.StickyHeader);
        if (!StringValues.IsNullOrEmpty(key) && key[0] is { Length: > 0 } text)
        {
            bucket = BucketAssigner.Bucket(experiment.KeyPrefix, text);
        }
        else
        {
            bucket = random.Next(BucketAssigner.BucketCount);
        }

        var chosen = experiment.GroupOfBucket(bucket);
        decision = new RouteDecision(route, chosen.Pool, experiment.Name, chosen.Name) { ByWeight = true };
        return RouteOutcome.Routed;
    }
}
