using System.Text.Json;
using Inference.Contracts;

namespace Inference.Router.Configuration;

/// <summary>Parses and validates the router's JSON configuration.</summary>
public static partial class RouterConfigParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        MaxDepth = 32,
    };

    /// <summary>
    /// Parses <paramref name="json"/> into a validated configuration.
    /// </summary>
    /// <exception cref="RouterConfigException">The text is not a usable configuration; the message says why.</exception>
    public static RouterConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new RouterConfigException($"not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return ParseRoot(document.RootElement);
        }
    }

    private static RouterConfig ParseRoot(JsonElement root)
    {
        RequireObject(root, "the configuration");
        Dictionary<string, ModelConfig>? models = null;
        var config = new RouterConfig { Models = new Dictionary<string, ModelConfig>() };
        foreach (var property in Properties(root, "the configuration"))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "models":
                    models = ParseModels(value);
                    break;
                case "healthCheckIntervalSeconds":
                    config = config with { HealthCheckInterval = Seconds(value, "healthCheckIntervalSeconds", allowZero: true) };
                    break;
                case "healthCheckTimeoutSeconds":
                    config = config with { HealthCheckTimeout = Seconds(value, "healthCheckTimeoutSeconds", allowZero: false) };
                    break;
                case "ejectionSeconds":
                    config = config with { EjectionDuration = Seconds(value, "ejectionSeconds", allowZero: true) };
                    break;
                case "dnsRefreshSeconds":
                    config = config with { DnsRefreshInterval = Seconds(value, "dnsRefreshSeconds", allowZero: false) };
                    break;
                default:
                    throw Unknown(property.Name, "the configuration");
            }
        }

        if (models is null)
        {
            throw new RouterConfigException("'models' is missing");
        }

        return config with { Models = models };
    }

    private static Dictionary<string, ModelConfig> ParseModels(JsonElement element)
    {
        RequireObject(element, "'models'");
        var models = new Dictionary<string, ModelConfig>(StringComparer.Ordinal);
        foreach (var property in Properties(element, "'models'"))
        {
            if (!WeightRules.IsValidName(property.Name))
            {
                throw new RouterConfigException($"model name '{property.Name}' is not valid: 1 to {WeightRules.MaxNameBytes} visible ASCII characters");
            }

            models.Add(property.Name, ParseModel(property.Name, property.Value));
        }

        if (models.Count == 0)
        {
            throw new RouterConfigException("'models' is empty: configure at least one model");
        }

        return models;
    }

    private static ModelConfig ParseModel(string model, JsonElement element)
    {
        var where = $"model '{model}'";
        RequireObject(element, where);
        Dictionary<string, ModelVersionConfig>? versions = null;
        ExperimentConfig? experiment = null;
        foreach (var property in Properties(element, where))
        {
            switch (property.Name)
            {
                case "versions":
                    versions = ParseVersions(model, property.Value);
                    break;
                case "experiment":
                    if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        experiment = ParseExperiment(model, property.Value);
                    }

                    break;
                default:
                    throw Unknown(property.Name, where);
            }
        }

        if (versions is null || versions.Count == 0)
        {
            throw new RouterConfigException($"{where} has no versions");
        }

        var implied = false;
        if (experiment is null)
        {
            if (versions.Count != 1)
            {
                throw new RouterConfigException($"{where} has {versions.Count} versions but no experiment to choose among them");
            }

            var only = versions.Keys.Single();
            experiment = new ExperimentConfig
            {
                Name = "default",
                Control = "default",
                Groups = [new ExperimentGroupConfig("default", only, 100)],
            };
            implied = true;
        }

        foreach (var group in experiment.Groups)
        {
            if (!versions.ContainsKey(group.Version))
            {
                throw new RouterConfigException($"{where}: experiment group '{group.Name}' names unknown version '{group.Version}'");
            }
        }

        if (experiment.Shadow is { } shadow && !versions.ContainsKey(shadow.Version))
        {
            throw new RouterConfigException($"{where}: the shadow names unknown version '{shadow.Version}' (versions: {string.Join(", ", versions.Keys)})");
        }

        return new ModelConfig { Name = model, Versions = versions, Experiment = experiment, ExperimentImplied = implied };
    }

    private static Dictionary<string, ModelVersionConfig> ParseVersions(string model, JsonElement element)
    {
        RequireObject(element, $"model '{model}' versions");
        var versions = new Dictionary<string, ModelVersionConfig>(StringComparer.Ordinal);
        foreach (var property in Properties(element, $"model '{model}' versions"))
        {
            if (!WeightRules.IsValidName(property.Name))
            {
                throw new RouterConfigException($"model '{model}': version name '{property.Name}' is not valid: 1 to {WeightRules.MaxNameBytes} visible ASCII characters");
            }

            var where = $"model '{model}' version '{property.Name}'";
            RequireObject(property.Value, where);
            List<Uri>? endpoints = null;
            foreach (var field in Properties(property.Value, where))
            {
                if (field.Name != "endpoints")
                {
                    throw Unknown(field.Name, where);
                }

                endpoints = ParseEndpoints(where, field.Value);
            }

            if (endpoints is null || endpoints.Count == 0)
            {
                throw new RouterConfigException($"{where} has no endpoints");
            }

            versions.Add(property.Name, new ModelVersionConfig { Name = property.Name, Endpoints = endpoints });
        }

        return versions;
    }

    private static List<Uri> ParseEndpoints(string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new RouterConfigException($"{where}: 'endpoints' must be an array of URLs");
        }

        var endpoints = new List<Uri>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new RouterConfigException($"{where}: every endpoint must be a string URL");
            }

            var text = item.GetString()!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                throw new RouterConfigException($"{where}: endpoint '{text}' is not an absolute URL");
            }

            if (uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new RouterConfigException($"{where}: endpoint '{text}' must use http:// (gRPC over HTTP/2 cleartext)");
            }

            if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0 || uri.UserInfo.Length != 0)
            {
                throw new RouterConfigException($"{where}: endpoint '{text}' must be just http://host:port, without path, query or credentials");
            }

            if (uri.Host.Length == 0)
            {
                throw new RouterConfigException($"{where}: endpoint '{text}' has no host");
            }

            var normalized = new Uri($"http://{uri.Authority}");
            if (endpoints.Contains(normalized))
            {
                throw new RouterConfigException($"{where}: endpoint '{text}' is listed twice");
            }

            endpoints.Add(normalized);
        }

        return endpoints;
    }

    private static ExperimentConfig ParseExperiment(string model, JsonElement element)
    {
        var where = $"model '{model}' experiment";
        RequireObject(element, where);
        string? name = null;
        string? stickyHeader = null;
        string? control = null;
        var allowOverride = false;
        var fallbackToControl = true;
        List<ExperimentGroupConfig>? groups = null;
        ShadowConfig? shadow = null;
        GuardConfig? guard = null;
        List<OutcomeMetricConfig> metrics = [];
        foreach (var property in Properties(element, where))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "name":
                    name = String(value, $"{where} 'name'");
                    break;
                case "stickyHeader":
                    stickyHeader = value.ValueKind == JsonValueKind.Null ? null : String(value, $"{where} 'stickyHeader'");
                    break;
                case "allowOverride":
                    allowOverride = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new RouterConfigException($"{where}: 'allowOverride' must be true or false"),
                    };
                    break;
                case "fallbackToControl":
                    fallbackToControl = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new RouterConfigException($"{where}: 'fallbackToControl' must be true or false"),
                    };
                    break;
                case "control":
                    control = String(value, $"{where} 'control'");
                    break;
                case "groups":
                    groups = ParseGroups(where, value);
                    break;
                case "shadow":
                    shadow = value.ValueKind == JsonValueKind.Null ? null : ParseShadow(where, value);
                    break;
                case "guard":
                    guard = value.ValueKind == JsonValueKind.Null ? null : ParseGuard(where, value);
                    break;
                case "metrics":
                    metrics = OutcomeMetricsParser.Parse(where, value);
                    break;
                default:
                    throw Unknown(property.Name, where);
            }
        }

        if (name is null || !WeightRules.IsValidName(name))
        {
            throw new RouterConfigException($"{where}: 'name' is required: 1 to {WeightRules.MaxNameBytes} visible ASCII characters");
        }

        if (stickyHeader is not null)
        {
            if (!IsHeaderToken(stickyHeader))
            {
                throw new RouterConfigException($"{where}: 'stickyHeader' '{stickyHeader}' is not a valid header name");
            }

            stickyHeader = stickyHeader.ToLowerInvariant();
            if (stickyHeader == "x-experiment-group")
            {
                throw new RouterConfigException($"{where}: 'stickyHeader' cannot be x-experiment-group, the override header");
            }
        }

        if (groups is null || groups.Count == 0)
        {
            throw new RouterConfigException($"{where} has no groups");
        }

        if (control is null)
        {
            throw new RouterConfigException($"{where}: 'control' is required");
        }

        if (!groups.Exists(g => g.Name == control))
        {
            throw new RouterConfigException($"{where}: control group '{control}' is not one of the groups");
        }

        if (groups.Sum(g => g.Weight) == 0)
        {
            throw new RouterConfigException($"{where}: all weights are zero");
        }

        return new ExperimentConfig
        {
            Name = name,
            StickyHeader = stickyHeader,
            AllowOverride = allowOverride,
            FallbackToControl = fallbackToControl,
            Control = control,
            Groups = groups,
            Shadow = shadow,
            Guard = guard,
            Metrics = metrics,
        };
    }

    private static List<ExperimentGroupConfig> ParseGroups(string where, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new RouterConfigException($"{where}: 'groups' must be an array");
        }

        var groups = new List<ExperimentGroupConfig>();
        foreach (var item in element.EnumerateArray())
        {
            RequireObject(item, $"{where} group");
            string? name = null;
            string? version = null;
            decimal? weight = null;
            foreach (var property in Properties(item, $"{where} group"))
            {
                switch (property.Name)
                {
                    case "name":
                        name = String(property.Value, $"{where} group 'name'");
                        break;
                    case "version":
                        version = property.Value.ValueKind == JsonValueKind.Number
                            ? property.Value.GetRawText()
                            : String(property.Value, $"{where} group 'version'");
                        break;
                    case "weight":
                        weight = Weight(property.Value, $"{where} group '{name ?? "?"}'");
                        break;
                    default:
                        throw Unknown(property.Name, $"{where} group");
                }
            }

            if (name is null || !WeightRules.IsValidName(name))
            {
                throw new RouterConfigException($"{where}: every group needs a 'name' of 1 to {WeightRules.MaxNameBytes} visible ASCII characters");
            }

            if (name == InferenceHeaders.PinnedGroup)
            {
                throw new RouterConfigException($"{where}: group name '{InferenceHeaders.PinnedGroup}' is reserved for version-pinned requests");
            }

            if (groups.Exists(g => g.Name == name))
            {
                throw new RouterConfigException($"{where}: group '{name}' is defined twice");
            }

            if (version is null)
            {
                throw new RouterConfigException($"{where}: group '{name}' has no 'version'");
            }

            if (weight is null)
            {
                throw new RouterConfigException($"{where}: group '{name}' has no 'weight'");
            }

            if (WeightRules.CheckWeight(name, weight.Value) is { } reason)
            {
                throw new RouterConfigException($"{where}: {reason}");
            }

            groups.Add(new ExperimentGroupConfig(name, version, weight.Value));
        }

        return groups;
    }

    private static decimal Weight(JsonElement value, string where)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var weight))
        {
            throw new RouterConfigException($"{where}: 'weight' must be a number");
        }

        return weight;
    }

    private static TimeSpan Seconds(JsonElement value, string name, bool allowZero)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds)
            || seconds < 0 || (!allowZero && seconds == 0) || seconds > 86_400)
        {
            throw new RouterConfigException($"'{name}' must be a number of seconds{(allowZero ? " (0 or more)" : " above 0")}, at most 86400");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string String(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new RouterConfigException($"{where} must be a string");

    private static void RequireObject(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RouterConfigException($"{where} must be a JSON object");
        }
    }

    // JsonDocument keeps duplicate keys; a duplicate model, version or setting is a mistake to report.
    private static List<JsonProperty> Properties(JsonElement element, string where)
    {
        var list = new List<JsonProperty>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new RouterConfigException($"{where}: '{property.Name}' is defined twice");
            }

            list.Add(property);
        }

        return list;
    }

    private static RouterConfigException Unknown(string name, string where) =>
        new($"{where}: unknown field '{name}'");

    private static bool IsHeaderToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
