using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The Grafana dashboard queries the metrics the model server and router export, by their names.</summary>
public sealed partial class DashboardTests
{
    // The metric names of the design, and the router's additional operational metrics.
    private static readonly string[] DesignedMetrics =
    [
        "inference_requests_total", "inference_request_duration_seconds", "inference_compute_duration_seconds",
        "inference_in_flight", "inference_output_value",
        "router_requests_total", "router_request_duration_seconds", "router_upstream_failures_total",
        "router_version_mismatch_total", "router_config_revision", "router_weight",
    ];

    private static readonly string[] RouterOperationalMetrics = ["router_endpoints", "router_config_reloads_total", "router_admin_changes_total"];

    private static readonly string[] Histograms =
        ["inference_request_duration_seconds", "inference_compute_duration_seconds", "inference_output_value", "router_request_duration_seconds"];

    [GeneratedRegex(@"\b(?:inference|router)_[a-z_]+\b")]
    private static partial Regex MetricName();

    private static string DashboardPath => Path.Combine(RepositoryPaths.Chart, "dashboards", "inference.json");

    [Fact]
    public void Every_query_uses_a_metric_the_services_export_and_every_designed_metric_is_shown()
    {
        var used = Expressions().SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        foreach (var name in used)
        {
            var family = Histograms.FirstOrDefault(h => name == $"{h}_bucket" || name == $"{h}_sum" || name == $"{h}_count") ?? name;
            Assert.True(
                (DesignedMetrics.Contains(family) && !Histograms.Contains(name)) || RouterOperationalMetrics.Contains(family),
                $"the dashboard queries '{name}', which is not an exported series");
        }

        foreach (var metric in DesignedMetrics)
        {
            Assert.Contains(used, name => name == metric || name.StartsWith(metric + "_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Latency_percentiles_come_from_histogram_buckets_by_le()
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
    public void Panels_show_groups_errors_by_status_weights_and_the_prediction_distribution()
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

    [HelmFact]
    public async Task Dashboard_ConfigMap_carries_the_file_for_the_Grafana_sidecar()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepositoryPaths.ChartCiFolder, "three-models.yaml"));

        var configMap = chart.Single("ConfigMap", "prod-inference-dashboard");
        Assert.Equal("1", configMap.Labels["grafana_dashboard"]!.GetValue<string>());
        var shipped = configMap.Object["data"]!["inference.json"]!.GetValue<string>();
        Assert.Equal((await File.ReadAllTextAsync(DashboardPath)).TrimEnd(), shipped.TrimEnd());
    }

    private static JsonObject Dashboard() => JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();

    private static IEnumerable<JsonObject> Panels() =>
        Dashboard()["panels"]!.AsArray().Select(p => p!.AsObject()).Where(p => p["type"]!.GetValue<string>() != "row");

    private static IEnumerable<string> Targets(JsonObject panel) =>
        (panel["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>());

    private static IEnumerable<string> Expressions()
    {
        var dashboard = Dashboard();
        var variables = dashboard["templating"]!["list"]!.AsArray()
            .Select(v => v!["query"])
            .Where(q => q is JsonObject)
            .Select(q => q!["query"]!.GetValue<string>());
        return Panels().SelectMany(Targets).Concat(variables);
    }
}
