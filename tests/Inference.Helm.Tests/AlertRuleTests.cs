using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The optional PrometheusRule: alerts on router pods that disagree, version mismatches and rejected configs.</summary>
public sealed partial class AlertRuleTests
{
    [GeneratedRegex(@"(?<metric>router_[a-z_]+)\{(?<matchers>[^}]*)\}")]
    private static partial Regex RouterSeries();

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(ChartCases.All), MemberType = typeof(ChartCases))]
    public async Task AlertRules_Selectors_MatchTheSeriesTheChartsRouterMonitorScrapes(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        var rules = chart.OfKind("PrometheusRule").ToList();
        if (!chart.Values["prometheusRule"]!["enabled"]!.GetValue<bool>() || !chart.RouterRendered)
        {
            Assert.Empty(rules);
            return;
        }

        var rule = Assert.Single(rules);
        Assert.Equal("monitoring.coreos.com/v1", rule.Object["apiVersion"]!.GetValue<string>());
        foreach (var (key, value) in chart.Values["prometheusRule"]!["labels"]!.AsObject())
        {
            Assert.Equal(value!.GetValue<string>(), rule.Labels[key]?.GetValue<string>());
        }

        var job = chart.RouterJob;
        var expressions = Rules(rule).Select(r => r["expr"]!.GetValue<string>()).ToList();
        Assert.Equal(4, expressions.Count);
        foreach (var expression in expressions)
        {
            var series = RouterSeries().Matches(expression);
            Assert.NotEmpty(series);
            Assert.All(series, s =>
            {
                var matchers = s.Groups["matchers"].Value;
                Assert.StartsWith($"namespace=\"{chart.Namespace}\",job=\"{job}\"", matchers, StringComparison.Ordinal);
            });
        }
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task AlertRules_Coverage_DivergingWeightsVersionMismatchesAndRejectedConfigs()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "prometheusRule: {weightDivergenceFor: 7m}\n", Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        var rules = Rules(Assert.Single(chart.OfKind("PrometheusRule"))).ToDictionary(r => r["alert"]!.GetValue<string>());
        Assert.Equal(["InferenceRouterConfigRejected", "InferenceRouterGuardRollback", "InferenceRouterVersionMismatch", "InferenceRouterWeightsDiverge"], rules.Keys.Order());

        // Pods disagree when the highest and the lowest weight of one group differ, for a while.
        var diverge = rules["InferenceRouterWeightsDiverge"];
        var divergeSeries = RouterSeries().Matches(diverge["expr"]!.GetValue<string>());
        Assert.Equal(["router_weight", "router_weight"], divergeSeries.Select(m => m.Groups["metric"].Value));
        Assert.Matches(@"^max by \(model, experiment, group\) \(router_weight\{[^}]*\}\)\s+!= min by \(model, experiment, group\) \(router_weight\{[^}]*\}\)\s*$", diverge["expr"]!.GetValue<string>());
        Assert.Equal("7m", diverge["for"]!.GetValue<string>());

        var mismatch = rules["InferenceRouterVersionMismatch"]["expr"]!.GetValue<string>();
        Assert.Contains("increase(router_version_mismatch_total{", mismatch, StringComparison.Ordinal);
        Assert.Contains("sum by (model, expected, actual)", mismatch, StringComparison.Ordinal);
        Assert.Equal("critical", rules["InferenceRouterVersionMismatch"]["labels"]!["severity"]!.GetValue<string>());

        var rejected = RouterSeries().Matches(rules["InferenceRouterConfigRejected"]["expr"]!.GetValue<string>());
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r =>
        {
            Assert.Equal("router_config_reloads_total", r.Groups["metric"].Value);
            Assert.EndsWith(",result=\"rejected\"", r.Groups["matchers"].Value, StringComparison.Ordinal);
        });

        // An automatic rollback fires at once, from the first one (the series appears with it), for the configured window.
        var guard = rules["InferenceRouterGuardRollback"];
        var guardExpression = guard["expr"]!.GetValue<string>();
        Assert.Contains("increase(router_guard_rollbacks_total{", guardExpression, StringComparison.Ordinal);
        Assert.Contains("}[30m]) > 0", guardExpression, StringComparison.Ordinal);
        Assert.Contains("offset 30m", guardExpression, StringComparison.Ordinal);
        Assert.Contains("sum by (model, experiment)", guardExpression, StringComparison.Ordinal);
        Assert.Null(guard["for"]);
        Assert.Equal("critical", guard["labels"]!["severity"]!.GetValue<string>());
        Assert.Contains("{{ $labels.experiment }}", guard["annotations"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);

        // Prometheus' own templates reach Prometheus: Helm must not have expanded them.
        Assert.Contains("{{ $labels.model }}", diverge["annotations"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("{{ $labels.actual }}", rules["InferenceRouterVersionMismatch"]["annotations"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task AlertRules_RouterSelectorInValues_ReplacesTheMonitorJob()
    {
        var chart = await ChartRenderer.RenderYamlAsync(
            "prometheusRule: {routerSelector: 'cluster=\"eu-1\",job=\"routers\"'}\n", Path.Combine(RepoPaths.ChartCiFolder, "three-models.yaml"));

        var expressions = Rules(Assert.Single(chart.OfKind("PrometheusRule"))).Select(r => r["expr"]!.GetValue<string>()).ToList();
        var matchers = expressions.SelectMany(e => RouterSeries().Matches(e)).Select(m => m.Groups["matchers"].Value).ToList();
        // Every router series of every expression carries the matchers: none is left unselected.
        Assert.Equal(expressions.Sum(e => Regex.Count(e, @"\brouter_[a-z_]+")), matchers.Count);
        Assert.True(matchers.Count >= 3, "every alert selects router series");
        Assert.All(matchers, m => Assert.StartsWith("cluster=\"eu-1\",job=\"routers\"", m, StringComparison.Ordinal));
        Assert.DoesNotContain(matchers, m => m.Contains("namespace=", StringComparison.Ordinal));
    }

    private static IEnumerable<JsonObject> Rules(Manifest rule) =>
        rule.Spec["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.AsObject());
}
