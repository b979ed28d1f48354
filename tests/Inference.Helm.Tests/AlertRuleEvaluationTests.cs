using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>
/// The rendered alert rules evaluated by promtool against series like the routers export: each
/// alert fires when it should, and not for a healthy router nor for another namespace's or job's
/// series. Counters appear only at their first increment (no zero sample before it), as the router
/// exports them. Samples are one a minute from minute 0; Prometheus has no data before that, so
/// every series counts as new before minute 10 and "old" series are evaluated later.
/// </summary>
public sealed partial class AlertRuleEvaluationTests
{
    private const string Weights = "InferenceRouterWeightsDiverge";
    private const string Mismatch = "InferenceRouterVersionMismatch";
    private const string Rejected = "InferenceRouterConfigRejected";
    private const string GuardRollback = "InferenceRouterGuardRollback";

    [GeneratedRegex(@"^(?<n>\d+)(?<unit>[smh])$")]
    private static partial Regex Duration();

    /// <summary>The ci values files that enable the rules: the router as a gateway and as a sidecar (PodMonitor job).</summary>
    public static TheoryData<string> RuleCases => new(RuleCaseFiles);

    private static readonly string[] RuleCaseFiles = ["three-models.yaml", "sidecar.yaml"];

    [PeerFact(Peers.Promtool, Peers.GoRenderer)]
    public async Task AlertRules_Rendered_PassPromtoolCheckRules()
    {
        var checkedCases = new List<string>();
        foreach (var chartCase in ((IEnumerable<object[]>)ChartCases.All).Select(row => (string)row[0]))
        {
            var chart = await ChartCases.RenderAsync(chartCase);
            if (!chart.OfKind("PrometheusRule").Any())
            {
                continue;
            }

            var result = await Promtool.CheckRulesAsync(chart.RuleGroups);
            Assert.True(result.ExitCode == 0, $"{chartCase}: promtool check rules failed:\n{result.Stdout}{result.Stderr}");
            Assert.Contains("SUCCESS: 4 rules found", result.Stdout, StringComparison.Ordinal);
            checkedCases.Add(chartCase);
        }

        Assert.Superset(RuleCaseFiles.ToHashSet(), checkedCases.ToHashSet());
    }

    [PeerTheory(Peers.Promtool, Peers.GoRenderer)]
    [MemberData(nameof(RuleCases))]
    public async Task WeightsDiverge_PodsDisagreeForItsDuration_Fires(string chartCase)
    {
        var (chart, router) = await RenderAsync(chartCase);
        var minutes = Minutes(Rule(chart, Weights)["for"]!.GetValue<string>());
        var length = $"x{minutes + 10}";
        const string control = "model=iris,experiment=iris-rollout,group=control";
        const string treatment = "model=iris,experiment=iris-rollout,group=treatment";

        AlertTestCase[] cases =
        [
            new AlertTestCase("pods disagree on both groups")
                .Series("router_weight", $"{router},pod=router-a,{control}", $"90{length}")
                .Series("router_weight", $"{router},pod=router-b,{control}", $"50{length}")
                .Series("router_weight", $"{router},pod=router-a,{treatment}", $"10{length}")
                .Series("router_weight", $"{router},pod=router-b,{treatment}", $"50{length}")
                .Silent(Weights, minutes - 1)
                .Fires(Weights, minutes + 1, (control, 90), (treatment, 50)),
            new AlertTestCase("pods agree")
                .Series("router_weight", $"{router},pod=router-a,{control}", $"80{length}")
                .Series("router_weight", $"{router},pod=router-b,{control}", $"80{length}")
                .Series("router_weight", $"{router},pod=router-a,{treatment}", $"20{length}")
                .Series("router_weight", $"{router},pod=router-b,{treatment}", $"20{length}")
                .Silent(Weights, 1, minutes + 1, minutes + 5),
            new AlertTestCase("a disagreement shorter than the duration (a values change reaching pods one by one)")
                .Series("router_weight", $"{router},pod=router-a,{control}", $"80{length}")
                .Series("router_weight", $"{router},pod=router-b,{control}", $"90x1 80{length}")
                .Silent(Weights, minutes + 1, minutes + 5),
            new AlertTestCase("other namespaces and jobs")
                .Series("router_weight", $"{router},pod=router-a,{control}", $"90{length}")
                .Series("router_weight", $"namespace=other,job={chart.RouterJob},pod=router-c,{control}", $"50{length}")
                .Series("router_weight", $"namespace={chart.Namespace},job=other-routers,pod=router-d,{control}", $"50{length}")
                .Silent(Weights, minutes + 1),
        ];

        await AssertPassesAsync(chart, cases);
    }

    [PeerTheory(Peers.Promtool, Peers.GoRenderer)]
    [MemberData(nameof(RuleCases))]
    public async Task VersionMismatch_CounterAppearsOrGrows_Fires(string chartCase)
    {
        var (chart, router) = await RenderAsync(chartCase);
        const string iris = "model=iris,expected=2,actual=1";
        const string churn = "model=churn,expected=3.0,actual=2.4";

        AlertTestCase[] cases =
        [
            new AlertTestCase("a single mismatch")
                .Series("router_version_mismatch_total", $"{router},pod=router-a,{iris}", "_x4 1x30")
                .Silent(Mismatch, 3)
                .Fires(Mismatch, 6, (iris, null))
                .Silent(Mismatch, 20),
            new AlertTestCase("mismatches growing on two pods and two models")
                .Series("router_version_mismatch_total", $"{router},pod=router-a,{iris}", "_x4 1 2 3 5x30")
                .Series("router_version_mismatch_total", $"{router},pod=router-b,{iris}", "_x6 2 4 6x30")
                .Series("router_version_mismatch_total", $"{router},pod=router-b,{churn}", "_x7 1x30")
                .Fires(Mismatch, 6, (iris, null))
                .Fires(Mismatch, 9, (iris, null), (churn, null))
                .Silent(Mismatch, 30),
            new AlertTestCase("an old mismatch, then another one")
                .Series("router_version_mismatch_total", $"{router},pod=router-a,{iris}", "1x19 2x20")
                .Silent(Mismatch, 15, 19)
                .Fires(Mismatch, 21, (iris, null))
                .Silent(Mismatch, 35),
            new AlertTestCase("other namespaces and jobs")
                .Series("router_version_mismatch_total", $"namespace=other,job={chart.RouterJob},pod=router-c,{iris}", "_x4 1 2 3x30")
                .Series("router_version_mismatch_total", $"namespace={chart.Namespace},job=other-routers,pod=router-d,{iris}", "_x4 1 2 3x30")
                .Silent(Mismatch, 6, 8),
        ];

        await AssertPassesAsync(chart, cases);
    }

    [PeerTheory(Peers.Promtool, Peers.GoRenderer)]
    [MemberData(nameof(RuleCases))]
    public async Task GuardRollback_AfterAnAutomaticRollback_FiresAtOnceForItsWindow(string chartCase)
    {
        var (chart, router) = await RenderAsync(chartCase);
        const string iris = "model=iris,experiment=iris-rollout";
        const string churn = "model=churn,experiment=churn-rollout";

        AlertTestCase[] cases =
        [
            new AlertTestCase("one rollback on one pod (the series appears with it)")
                .Series("router_guard_rollbacks_total", $"{router},pod=router-a,{iris}", "_x4 1x60")
                .Silent(GuardRollback, 3)
                .Fires(GuardRollback, 6, (iris, null))
                .Fires(GuardRollback, 30, (iris, null))
                .Silent(GuardRollback, 40, 60),
            new AlertTestCase("rollbacks on two pods and two models, one much later")
                .Series("router_guard_rollbacks_total", $"{router},pod=router-a,{iris}", "_x4 1x80")
                .Series("router_guard_rollbacks_total", $"{router},pod=router-b,{churn}", "1x49 2x30")
                .Fires(GuardRollback, 6, (iris, null), (churn, null))
                .Silent(GuardRollback, 45)
                .Fires(GuardRollback, 52, (churn, null)),
            new AlertTestCase("other namespaces and jobs")
                .Series("router_guard_rollbacks_total", $"namespace=other,job={chart.RouterJob},pod=router-c,{iris}", "_x4 1x30")
                .Series("router_guard_rollbacks_total", $"namespace={chart.Namespace},job=other-routers,pod=router-d,{iris}", "_x4 1x30")
                .Silent(GuardRollback, 6, 8),
        ];

        await AssertPassesAsync(chart, cases);
    }

    [PeerTheory(Peers.Promtool, Peers.GoRenderer)]
    [MemberData(nameof(RuleCases))]
    public async Task ConfigRejected_RejectedReloadOfAPod_Fires(string chartCase)
    {
        var (chart, router) = await RenderAsync(chartCase);
        var podA = $"{router},pod=router-a";

        AlertTestCase[] cases =
        [
            new AlertTestCase("a single rejected reload")
                .Series("router_config_reloads_total", $"{podA},result=applied", "1x40")
                .Series("router_config_reloads_total", $"{podA},result=rejected", "_x4 1x30")
                .Silent(Rejected, 3)
                .Fires(Rejected, 6, ($"{podA},result=rejected", null))
                .Silent(Rejected, 20),
            new AlertTestCase("an old rejection, then another one")
                .Series("router_config_reloads_total", $"{podA},result=applied", "1x40")
                .Series("router_config_reloads_total", $"{podA},result=rejected", "1x19 2x20")
                .Silent(Rejected, 15, 19)
                .Fires(Rejected, 21, ($"{podA},result=rejected", null))
                .Silent(Rejected, 35),
            new AlertTestCase("applied reloads only")
                .Series("router_config_reloads_total", $"{podA},result=applied", "1 2 3 4 5x40")
                .Silent(Rejected, 3, 6, 20),
            new AlertTestCase("other namespaces and jobs")
                .Series("router_config_reloads_total", $"namespace=other,job={chart.RouterJob},pod=router-c,result=rejected", "_x4 1 2x30")
                .Series("router_config_reloads_total", $"namespace={chart.Namespace},job=other-routers,pod=router-d,result=rejected", "_x4 1 2x30")
                .Silent(Rejected, 6, 8),
        ];

        await AssertPassesAsync(chart, cases);
    }

    private static async Task<(RenderedChart Chart, string RouterLabels)> RenderAsync(string chartCase)
    {
        var chart = await ChartCases.RenderAsync(chartCase);
        return (chart, $"namespace={chart.Namespace},job={chart.RouterJob}");
    }

    private static async Task AssertPassesAsync(RenderedChart chart, AlertTestCase[] cases)
    {
        var result = await Promtool.TestRulesAsync(chart.RuleGroups, cases);
        Assert.True(result.ExitCode == 0, $"promtool test rules failed:\n{result.Stdout}{result.Stderr}");
        Assert.Contains("SUCCESS", result.Stdout, StringComparison.Ordinal);
    }

    private static JsonObject Rule(RenderedChart chart, string alert) =>
        chart.RuleGroups.SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.AsObject()).Single(r => r["alert"]?.GetValue<string>() == alert);

    /// <summary>A Prometheus duration of whole seconds, minutes or hours, in minutes (rounded up).</summary>
    private static int Minutes(string duration)
    {
        var match = Duration().Match(duration);
        Assert.True(match.Success, $"unexpected duration '{duration}'");
        var n = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value switch
        {
            "s" => (n + 59) / 60,
            "m" => n,
            _ => n * 60,
        };
    }
}
