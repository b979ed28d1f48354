using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>The router configuration the tests use: model iris, versions 1 and 2, a control/treatment experiment.</summary>
internal static class RouterConfigFile
{
    public const string Experiment = "iris-v2-rollout";
    public const string StickyHeader = "x-user-id";

    public static string Iris(IEnumerable<string> v1, IEnumerable<string> v2, double control, double treatment)
    {
        var json = new JsonObject
        {
            ["models"] = new JsonObject
            {
                ["iris"] = new JsonObject
                {
                    ["versions"] = new JsonObject
                    {
                        ["1"] = new JsonObject { ["endpoints"] = Array(v1) },
                        ["2"] = new JsonObject { ["endpoints"] = Array(v2) },
                    },
                    ["experiment"] = new JsonObject
                    {
                        ["name"] = Experiment,
                        ["stickyHeader"] = StickyHeader,
                        ["allowOverride"] = true,
                        ["control"] = "control",
                        ["groups"] = new JsonArray(
                            new JsonObject { ["name"] = "control", ["version"] = "1", ["weight"] = control },
                            new JsonObject { ["name"] = "treatment", ["version"] = "2", ["weight"] = treatment }),
                    },
                },
            },
            // Frequent health checks so a stopped replica leaves rotation quickly (refused connections and
            // NOT_SERVING answers are quick); a long timeout so a busy machine does not fail a live replica's check.
            ["healthCheckIntervalSeconds"] = 0.2,
            ["healthCheckTimeoutSeconds"] = 10,
            ["ejectionSeconds"] = 30,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Model iris with one version and no experiment section (the router implies experiment "default").</summary>
    public static string Single(string version, IEnumerable<string> endpoints)
    {
        var json = new JsonObject
        {
            ["models"] = new JsonObject
            {
                ["iris"] = new JsonObject
                {
                    ["versions"] = new JsonObject { [version] = new JsonObject { ["endpoints"] = Array(endpoints) } },
                },
            },
            ["healthCheckIntervalSeconds"] = 0.2,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonArray Array(IEnumerable<string> endpoints) => new(endpoints.Select(e => (JsonNode)JsonValue.Create(e)).ToArray());
}
