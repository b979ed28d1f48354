using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Router.Tests.Infrastructure;

/// <summary>Builds router configuration files for tests.</summary>
internal static class Configs
{
    public static string Iris(
        IEnumerable<string> v1,
        IEnumerable<string> v2,
        decimal control = 90,
        decimal treatment = 10,
        bool allowOverride = true,
        string experiment = "iris-v2-rollout",
        string? extra = null,
        bool? fallbackToControl = null)
    {
        var json = new JsonObject
        {
            ["models"] = new JsonObject
            {
                ["iris"] = new JsonObject
                {
                    ["versions"] = new JsonObject
                    {
                        ["1"] = new JsonObject { ["endpoints"] = new JsonArray(v1.Select(e => (JsonNode)e!).ToArray()) },
                        ["2"] = new JsonObject { ["endpoints"] = new JsonArray(v2.Select(e => (JsonNode)e!).ToArray()) },
                    },
                    ["experiment"] = new JsonObject
                    {
                        ["name"] = experiment,
                        ["stickyHeader"] = "x-user-id",
                        ["allowOverride"] = allowOverride,
                        ["control"] = "control",
                        ["groups"] = new JsonArray(
                            new JsonObject { ["name"] = "control", ["version"] = "1", ["weight"] = control },
                            new JsonObject { ["name"] = "treatment", ["version"] = "2", ["weight"] = treatment }),
                    },
                },
            },
            ["healthCheckIntervalSeconds"] = 0.2,
            ["healthCheckTimeoutSeconds"] = 1,
        };
        if (fallbackToControl is { } fallback)
        {
            json["models"]!["iris"]!["experiment"]!["fallbackToControl"] = fallback;
        }

        if (extra is not null)
        {
            foreach (var (key, value) in JsonNode.Parse(extra)!.AsObject().ToList())
            {
                json[key] = value?.DeepClone();
            }
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Adds <paramref name="sections"/> (a JSON object, e.g. <c>{"guard": {…}}</c>) to iris's experiment in <paramref name="config"/>.</summary>
    public static string WithExperiment(string config, string sections)
    {
        var json = JsonNode.Parse(config)!;
        var experiment = json["models"]!["iris"]!["experiment"]!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(sections)!.AsObject().ToList())
        {
            experiment[key] = value?.DeepClone();
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Adds version <paramref name="version"/> of iris, served at <paramref name="endpoint"/>, to <paramref name="config"/>.</summary>
    public static string WithVersion(string config, string version, string endpoint)
    {
        var json = JsonNode.Parse(config)!;
        json["models"]!["iris"]!["versions"]![version] = new JsonObject { ["endpoints"] = new JsonArray(endpoint) };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
