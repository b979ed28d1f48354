using System.Globalization;

namespace Inference.Experiments.Tests.Infrastructure;

/// <summary>
/// Two real routers, as two replicas of one deployment: the same configuration, the same admin port
/// on two loopback addresses (127.0.0.1 and 127.0.0.2), so one DNS name can stand for both. Every
/// test works on its own model, so the tests share the processes without seeing each other's changes.
/// </summary>
public sealed class RouterPair : IAsyncLifetime
{
    /// <summary>One model per test; each starts at control=90 treatment=10 from the configuration.</summary>
    public static readonly string[] Models =
        ["set", "dry-run", "unchanged", "diverge", "status-json", "conflict", "force", "rollback", "down", "rollback-down", "dns", "auth", "json", "exe", "rolled-back", "results", "outcome-errors"];

    public RouterProcess First { get; private set; } = null!;

    public RouterProcess Second { get; private set; } = null!;

    /// <summary>The admin port both routers listen on.</summary>
    public int AdminPort => First.AdminAddress.Port;

    /// <summary><c>--admin</c> for both routers.</summary>
    public string BothAdmins => $"{Name(First)},{Name(Second)}";

    public AdminProbe Probe { get; } = new(RouterProcess.AdminToken);

    public static string Name(RouterProcess router) => router.AdminUrl;

    public async Task InitializeAsync()
    {
        First = await RouterProcess.StartAsync(Config());
        Second = await RouterProcess.StartAsync(Config(), RouterLaunch.Default with { Host = "127.0.0.2", AdminPort = AdminPort });
    }

    public async Task DisposeAsync()
    {
        Probe.Dispose();
        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        if (First is not null)
        {
            await First.DisposeAsync();
        }
    }

    /// <summary>
    /// The routers' configuration. The endpoints are never called, except by the results tests, whose calls are
    /// counted when they are routed, before the (absent) model server fails them: the admin API does not need the
    /// model servers, and active health checks are off so nothing changes on its own. With no model server at all,
    /// a call must fail where it was assigned rather than fall back to control (fallbackToControl off).
    /// </summary>
    private static string Config()
    {
        var models = Models.Select((model, i) => $$"""
            "{{model}}": {
              "versions": {
                "1": { "endpoints": ["http://127.0.0.1:{{(10_000 + 2 * i).ToString(CultureInfo.InvariantCulture)}}"] },
                "2": { "endpoints": ["http://127.0.0.1:{{(10_001 + 2 * i).ToString(CultureInfo.InvariantCulture)}}"] }
              },
              "experiment": {
                "name": "{{model}}-rollout",
                "control": "control",
                "fallbackToControl": false,
                "groups": [
                  { "name": "control", "version": "1", "weight": 90 },
                  { "name": "treatment", "version": "2", "weight": 10 }
                ],
                "metrics": [ { "name": "clicked", "kind": "boolean" }, { "name": "revenue", "kind": "number" } ]
              }
            }
            """);
        return $$"""{ "models": { {{string.Join(",\n", models)}} }, "healthCheckIntervalSeconds": 0 }""";
    }
}
