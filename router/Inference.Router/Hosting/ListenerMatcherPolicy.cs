using Microsoft.AspNetCore.Routing.Matching;

namespace Inference.Router.Hosting;

/// <summary>
/// Keeps each endpoint on its listener: a request on the admin port never reaches a gRPC endpoint or the proxy, and
/// a request on the gRPC port never reaches the admin API (without a token the admin port is loopback-only, so the
/// admin API must not answer on the gRPC port). The ports are known only once bound, so this is decided per request,
/// the way ASP.NET Core's host matcher policy does for host names.
/// </summary>
internal sealed class ListenerMatcherPolicy(ListenerPorts ports) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ListenerMetadata>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var listener = httpContext.Connection.LocalPort == ports.Admin ? RouterListener.Admin : RouterListener.Grpc;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint?.Metadata.GetMetadata<ListenerMetadata>() is { } metadata && metadata.Listener != listener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
