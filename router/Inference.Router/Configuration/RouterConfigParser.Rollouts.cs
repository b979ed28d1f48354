using System.Text.Json;

namespace Inference.Router.Configuration;

// The experiment's "shadow" and "guard" sections, kept apart from the routing sections.
public static partial class RouterConfigParser
{
    private static ShadowConfig ParseShadow(string experiment, JsonElement element)
    {
        var where = $"{experiment} shadow";
        RequireObject(element, where);
        string? version = null;
        double? percent = null;
        var shadow = new ShadowConfig { Version = "", Percent = 0 };
        foreach (var property in Properties(element, where))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "version":
                    version = value.ValueKind == JsonValueKind.Number ? value.GetRawText() : String(value, $"{where} 'version'");
                    break;
                case "percent":
                    percent = Number(value, where, "percent", 0, 100, "from 0 to 100");
                    break;
                case "absoluteTolerance":
                    shadow = shadow with { AbsoluteTolerance = Number(value, where, "absoluteTolerance", 0, double.MaxValue, "0 or more") };
                    break;
                case "relativeTolerance":
                    shadow = shadow with { RelativeTolerance = Number(value, where, "relativeTolerance", 0, double.MaxValue, "0 or more") };
                    break;
                case "timeoutSeconds":
                    var timeout = Number(value, where, "timeoutSeconds", 0.001, 60, "above 0, at most 60");
                    shadow = shadow with { Timeout = TimeSpan.FromSeconds(timeout) };
                    break;
                case "maxConcurrent":
                    shadow = shadow with { MaxConcurrent = (int)Integer(value, where, "maxConcurrent", 1, 10_000) };
                    break;
                case "maxMessageBytes":
                    shadow = shadow with { MaxMessageBytes = (int)Integer(value, where, "maxMessageBytes", 1024, 64 * 1024 * 1024) };
                    break;
                default:
                    throw Unknown(property.Name, where);
            }
        }

        if (version is null || !WeightRules.IsValidName(version))
        {
            throw new RouterConfigException($"{where}: 'version' is required: the model version that receives the copies");
        }

        if (percent is null)
        {
            throw new RouterConfigException($"{where}: 'percent' is required: the share of calls copied, from 0 to 100");
        }

        return shadow with { Version = version, Percent = percent.Value };
    }

    private static GuardConfig ParseGuard(string experiment, JsonElement element)
    {
        var where = $"{experiment} guard";
        RequireObject(element, where);
        var guard = new GuardConfig();
        foreach (var property in Properties(element, where))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "windowSeconds":
                    var seconds = Number(value, where, "windowSeconds", 0, 86_400, "of seconds, at most 86400");
                    if (seconds < GuardConfig.MinimumWindow.TotalSeconds)
                    {
                        throw new RouterConfigException($"{where}: 'windowSeconds' {seconds} is too short: at least {GuardConfig.MinimumWindow.TotalSeconds} (a shorter window judges too few calls)");
                    }

                    guard = guard with { Window = TimeSpan.FromSeconds(seconds) };
                    break;
                case "minRequests":
                    guard = guard with { MinRequests = (int)Integer(value, where, "minRequests", 1, 100_000_000) };
                    break;
                case "maxErrorRateIncrease":
                    guard = guard with { MaxErrorRateIncrease = Number(value, where, "maxErrorRateIncrease", 0, 1, "from 0 to 1 (a fraction of calls)") };
                    break;
                case "maxP99LatencyRatio":
                    var ratio = Number(value, where, "maxP99LatencyRatio", 1, 1_000_000, "above 1");
                    if (ratio <= 1)
                    {
                        throw new RouterConfigException($"{where}: 'maxP99LatencyRatio' must be above 1 (a ratio of p99 latencies)");
                    }

                    guard = guard with { MaxP99LatencyRatio = ratio };
                    break;
                default:
                    throw Unknown(property.Name, where);
            }
        }

        return guard;
    }

    private static double Number(JsonElement value, string where, string name, double min, double max, string range)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number) || number < min || number > max)
        {
            var given = value.ValueKind == JsonValueKind.Number ? $" (got {value.GetRawText()})" : "";
            throw new RouterConfigException($"{where}: '{name}' must be a number {range}{given}");
        }

        return number;
    }

    private static long Integer(JsonElement value, string where, string name, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < min || number > max)
        {
            throw new RouterConfigException($"{where}: '{name}' must be a whole number from {min} to {max}");
        }

        return number;
    }
}
