using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The Grafana dashboard queries the metrics the model server and router export, by their names.</summary>
public sealed partial class DashboardTests
{
    // The metric names of the design: the dashboard shows each of them.
    private static readonly string[] DesignedMetrics =
    [
        "inference_requests_total", "inference_request_duration_seconds", "inference_compute_duration_seconds",
        "inference_in_flight", "inference_output_value",
        "router_requests_total", "router_request_duration_seconds", "router_upstream_failures_total",
        "router_version_mismatch_total", "router_config_revision", "router_weight",
        "router_shadow_requests_total", "router_shadow_max_abs_difference", "router_guard_rollbacks_total",
        "router_experiment_assigned_total", "router_outcomes_total", "router_outcome_successes_total", "router_outcome_value_sum",
    ];

    // What Grafana puts in place of its built-in variables, as promtool reads them.
    private static readonly Dictionary<string, string> BuiltInVariables = new(StringComparer.Ordinal)
    {
        ["__rate_interval"] = "4m", ["__interval"] = "1m", ["__range"] = "6h",
        ["__interval_ms"] = "60000", ["__range_ms"] = "21600000", ["__range_s"] = "21600",
    };

    [GeneratedRegex(@"\$\{(?<name>\w+)(?::[^}]*)?\}|\$(?<name>[a-zA-Z_]\w*)|\[\[(?<name>\w+)\]\]")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^\s*label_values\(\s*(?:(?<selector>.+),\s*)?(?<label>\w+)\s*\)\s*$", RegexOptions.Singleline)]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"^\s*query_result\((?<query>.+)\)\s*$", RegexOptions.Singleline)]
    private static partial Regex QueryResult();

    [GeneratedRegex(@"[^a-zA-Z0-9_]")]
    private static partial Regex NotInRecordName();

    private static string DashboardPath => Path.Combine(RepoPaths.Chart, "dashboards", "inference.json");

    [Fact]
    public void Dashboard_Queries_UseExportedMetricsAndShowEveryDesignedMetric()
    {
        var exported = ExportedMetrics.SeriesNames;
        Assert.All(DesignedMetrics, metric => Assert.Contains(metric, ExportedMetrics.InstrumentNames.Keys));

        var used = Queries().SelectMany(q => PromQl.MetricNames(Substitute(q.Expression))).ToHashSet();
        foreach (var name in used)
        {
            Assert.True(exported.Contains(name), $"the dashboard queries '{name}', which neither the model server nor the router exports");
        }

        foreach (var metric in DesignedMetrics)
        {
            Assert.Contains(used, name => name == metric || name.StartsWith(metric + "_", StringComparison.Ordinal));
        }
    }

    [PeerFact(Peers.Promtool)]
    public async Task Dashboard_QueriesWithVariablesFilledIn_AreValidPromQl()
    {
        var queries = Queries().ToList();
        var rules = new JsonArray([.. queries.Select(q => (JsonNode)new JsonObject
        {
            ["record"] = "dashboard:" + NotInRecordName().Replace(q.Source, "_"),
            ["expr"] = Substitute(q.Expression),
        })]);

        var result = await Promtool.CheckRulesAsync([new JsonObject { ["name"] = "inference-dashboard", ["rules"] = rules }]);

        Assert.True(result.ExitCode == 0, $"promtool check rules failed:\n{result.Stdout}{result.Stderr}");
        Assert.Contains($"SUCCESS: {queries.Count} rules found", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboard_LatencyPercentiles_ComeFromHistogramBucketsByLe()
    {
        var quantiles = Expressions().Where(e => e.Contains("histogram_quantile", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(quantiles);
        Assert.All(quantiles, e =>
        {
            Assert.Contains("_bucket{", e);
            Assert.Matches(@"sum by \(le[,)]", e);
        });
        foreach (var histogram in new[] { "router_request_duration_seconds", "inference_request_duration_seconds", "inference_output_value" })
        {
            Assert.Contains(quantiles, e => e.Contains($"{histogram}_bucket", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Dashboard_Panels_ShowGroupsErrorsWeightsAndPredictionDistribution()
    {
        var panels = Panels().ToList();

        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        Assert.Contains(panels, p => Targets(p).Any(t => t.Contains("by (model, experiment, group, version) (rate(router_requests_total", StringComparison.Ordinal)));
        Assert.Contains(panels, p => Targets(p).Any(t => t.Contains("grpc_code", StringComparison.Ordinal) && t.Contains("router_requests_total", StringComparison.Ordinal)));
        Assert.Contains(panels, p => Targets(p).Any(t => t.Contains("grpc_code", StringComparison.Ordinal) && t.Contains("inference_requests_total", StringComparison.Ordinal)));
        Assert.Contains(panels, p => Targets(p).Any(t => t.Contains("router_weight", StringComparison.Ordinal)));
        var heatmap = Assert.Single(panels, p => p["type"]!.GetValue<string>() == "heatmap");
        Assert.Contains("inference_output_value_bucket", Assert.Single(Targets(heatmap)));
        Assert.Equal("heatmap", heatmap["targets"]![0]!["format"]!.GetValue<string>());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task Dashboard_ConfigMap_CarriesTheFileForTheGrafanaSidecar()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        var configMap = chart.Single("ConfigMap", "prod-inference-dashboard");
        Assert.Equal("1", configMap.Labels["grafana_dashboard"]!.GetValue<string>());
        var shipped = configMap.Object["data"]!["inference.json"]!.GetValue<string>();
        Assert.Equal((await File.ReadAllTextAsync(DashboardPath)).TrimEnd(), shipped.TrimEnd());
    }

    private static JsonObject Dashboard() => JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();

    private static IEnumerable<JsonObject> Panels() => Flatten(Dashboard()["panels"]!.AsArray());

    // A collapsed row carries its panels inside it.
    private static IEnumerable<JsonObject> Flatten(JsonArray panels) =>
        panels.Select(p => p!.AsObject()).SelectMany(p => p["type"]!.GetValue<string>() == "row"
            ? Flatten(p["panels"]?.AsArray() ?? [])
            : [p]);

    private static IEnumerable<string> Targets(JsonObject panel) =>
        (panel["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>());

    private static IEnumerable<string> Expressions() => Queries().Select(q => q.Expression);

    /// <summary>The PromQL of every panel target and every query variable (label_values' selector), still with Grafana's variables.</summary>
    private static IEnumerable<(string Source, string Expression)> Queries()
    {
        foreach (var panel in Panels())
        {
            foreach (var target in panel["targets"]?.AsArray() ?? [])
            {
                yield return ($"panel {panel["id"]} {target!["refId"]}", target["expr"]!.GetValue<string>());
            }
        }

        foreach (var variable in Dashboard()["templating"]!["list"]!.AsArray())
        {
            if (variable!["query"] is not JsonObject query)
            {
                continue;
            }

            var text = query["query"]!.GetValue<string>();
            var source = $"variable {variable["name"]}";
            if (LabelValues().Match(text) is { Success: true } labelValues)
            {
                if (labelValues.Groups["selector"].Success)
                {
                    yield return (source, labelValues.Groups["selector"].Value);
                }
            }
            else
            {
                yield return (source, QueryResult().Match(text) is { Success: true } result ? result.Groups["query"].Value : text);
            }
        }
    }

    /// <summary>
    /// The expression as Grafana sends it: a dashboard variable becomes its "All" value (the regex
    /// the dashboard matches with) or its current value, a built-in one a duration or a number.
    /// </summary>
    private static string Substitute(string expression)
    {
        var values = new Dictionary<string, string>(BuiltInVariables, StringComparer.Ordinal);
        foreach (var variable in Dashboard()["templating"]!["list"]!.AsArray())
        {
            var current = variable!["current"]?["value"];
            var value = variable["allValue"]?.GetValue<string>()
                ?? (current is JsonArray many ? many[0]?.GetValue<string>() : current?.GetValue<string>());
            if (value is not null)
            {
                values[variable["name"]!.GetValue<string>()] = value;
            }
        }

        return Variable().Replace(expression, m => values.TryGetValue(m.Groups["name"].Value, out var value)
            ? value
            : throw new InvalidOperationException($"'{expression}' uses ${m.Groups["name"].Value}, which the dashboard does not define"));
    }
}
