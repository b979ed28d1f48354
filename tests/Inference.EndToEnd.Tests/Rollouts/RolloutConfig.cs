using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Rollouts;

/// <summary>The test stack's router configuration with a shadow version or a guard added to its experiment.</summary>
internal static class RolloutConfig
{
    /// <summary>Iris v1 as control at 100 %, and version "3" — served at <paramref name="shadowEndpoint"/> — as the shadow of every call.</summary>
    public static string Shadow(string v1, string v2, string shadowEndpoint, double percent = 100)
    {
        var json = JsonNode.Parse(RouterConfigFile.Iris([v1], [v2], 100, 0))!;
        json["models"]!["iris"]!["versions"]!["3"] = new JsonObject { ["endpoints"] = new JsonArray(shadowEndpoint) };
        json["models"]!["iris"]!["experiment"]!["shadow"] = new JsonObject { ["version"] = "3", ["percent"] = percent };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A 50/50 experiment with a guard judging after <paramref name="minRequests"/> calls per group.</summary>
    public static string Guard(string v1, string v2, int minRequests, bool fallbackToControl = false)
    {
        var json = JsonNode.Parse(RouterConfigFile.Iris([v1], [v2], 50, 50))!;
        // Off by default here: the guard's own evidence is then the calls that fail where they were assigned. On, a dead
        // treatment's callers are served by control and the fallbacks are the evidence.
        json["models"]!["iris"]!["experiment"]!["fallbackToControl"] = fallbackToControl;
        json["models"]!["iris"]!["experiment"]!["guard"] = new JsonObject
        {
            ["windowSeconds"] = 60,
            ["minRequests"] = minRequests,
            ["maxErrorRateIncrease"] = 0.05,
            // Latency is not what these tests judge: a shared machine's noise must not trip it.
            ["maxP99LatencyRatio"] = 1000,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
