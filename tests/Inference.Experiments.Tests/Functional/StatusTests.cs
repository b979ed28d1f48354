using System.Text.Json;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class StatusTests(RouterPair routers)
{
    private readonly AdminProbe _probe = routers.Probe;
    private readonly string _first = RouterPair.Name(routers.First);
    private readonly string _second = RouterPair.Name(routers.Second);

    [Fact]
    public async Task Status_InstancesDisagree_MarksDivergedWithExit3UntilASetAlignsThem()
    {
        await _probe.SetAsync(routers.First, "diverge", 60, 40);
        var first = await _probe.GetAsync(routers.First, "diverge");
        var second = await _probe.GetAsync(routers.Second, "diverge");

        var result = await Tool.RunAsync("status", "diverge", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{_first}  revision {first.Revision}  ready", result.Out, StringComparison.Ordinal);
        Assert.Contains($"{_second}  revision {second.Revision}  ready", result.Out, StringComparison.Ordinal);
        Assert.Contains("diverge  experiment diverge-rollout  control=60 treatment=40  (weights from admin)  endpoints 1: 1/1 available; 2: 1/1 available", result.Out, StringComparison.Ordinal);
        Assert.Contains("diverge  experiment diverge-rollout  control=90 treatment=10  (weights from config)", result.Out, StringComparison.Ordinal);
        var marker = result.Out.IndexOf("DIVERGED diverge", StringComparison.Ordinal);
        Assert.True(marker > 0, result.ToString());
        var block = result.Out[marker..];
        Assert.Contains($"{_first}  experiment diverge-rollout  control=60 treatment=40", block, StringComparison.Ordinal);
        Assert.Contains($"{_second}  experiment diverge-rollout  control=90 treatment=10", block, StringComparison.Ordinal);

        var aligned = await Tool.RunAsync("set", "diverge", "control=60", "treatment=40", "--admin", routers.BothAdmins);
        var again = await Tool.RunAsync("status", "diverge", "--admin", routers.BothAdmins);

        Assert.True(aligned.ExitCode == 0, aligned.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("DIVERGED", again.Out, StringComparison.Ordinal);
        Assert.Contains("all 2 instances agree", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Json_CarriesEachInstanceAndTheDivergence()
    {
        await _probe.SetAsync(routers.Second, "status-json", 80, 20);
        var first = await _probe.GetAsync(routers.First, "status-json");
        var second = await _probe.GetAsync(routers.Second, "status-json");

        var result = await Tool.RunAsync("status", "status-json", "--json", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 3, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("status", root.GetProperty("command").GetString());
        Assert.Equal(3, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(0, root.GetProperty("failed").GetInt32());
        var instances = root.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal([_first, _second], instances.Select(i => i.GetProperty("instance").GetString()));
        Assert.Equal([first.Revision, second.Revision], instances.Select(i => i.GetProperty("revision").GetInt64()));
        var models = instances.Select(i => i.GetProperty("models").GetProperty("status-json")).ToList();
        Assert.Equal(["config", "admin"], models.Select(m => m.GetProperty("weightsSource").GetString()));
        Assert.Equal([10m, 20m], models.Select(m => m.GetProperty("weights").GetProperty("treatment").GetDecimal()));
        Assert.Equal(1, models[0].GetProperty("versions").GetProperty("2").GetProperty("endpoints").GetInt32());
        var diverged = Assert.Single(root.GetProperty("diverged").EnumerateArray());
        Assert.Equal("status-json", diverged.GetProperty("model").GetString());
        Assert.Equal(2, diverged.GetProperty("instances").GetArrayLength());
    }

    [Fact]
    public async Task Status_InstanceCannotBeRead_IsNamedAndFailsTheStatus()
    {
        var down = ClosedPort.Address();

        var result = await Tool.RunAsync("status", "down", "--admin", $"{_first},{down}");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("FAILED  cannot reach it", result.LineOf(down), StringComparison.Ordinal);
        Assert.Contains("ready", result.LineOf(_first), StringComparison.Ordinal);
        Assert.Contains("1 of 2 instance(s) FAILED", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ModelAnInstanceLacks_FailsTheStatus()
    {
        var result = await Tool.RunAsync("status", "no-such-model", "--admin", _first);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("model 'no-such-model' is not configured on this instance", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AfterARollback_ShowsWhoWhyAndWhenUntilWeightsAreSetAgain()
    {
        var rollback = await Tool.RunAsync("rollback", "rolled-back", "--admin", _first);
        Assert.True(rollback.ExitCode == 0, rollback.ToString());

        var text = await Tool.RunAsync("status", "rolled-back", "--admin", _first);
        var json = await Tool.RunAsync("status", "rolled-back", "--json", "--admin", _first);

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"\n\s+ROLLED BACK by token:[0-9a-f]{8}@127\.0\.0\.1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z: rollback requested through the admin API", text.Out);
        using (var document = JsonDocument.Parse(json.Out))
        {
            var model = document.RootElement.GetProperty("instances")[0].GetProperty("models").GetProperty("rolled-back");
            var record = model.GetProperty("rollback");
            Assert.StartsWith("token:", record.GetProperty("by").GetString(), StringComparison.Ordinal);
            Assert.Equal("rollback requested through the admin API", record.GetProperty("reason").GetString());
            Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(record.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < TimeSpan.FromMinutes(5));
        }

        var set = await Tool.RunAsync("set", "rolled-back", "control=90", "treatment=10", "--admin", _first);
        var after = await Tool.RunAsync("status", "rolled-back", "--admin", _first);

        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.DoesNotContain("ROLLED BACK", after.Out, StringComparison.Ordinal);
    }
}
