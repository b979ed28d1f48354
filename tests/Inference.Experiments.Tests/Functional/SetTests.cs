using System.Net;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class SetTests(RouterPair routers)
{
    private readonly AdminProbe _probe = routers.Probe;
    private readonly string _first = RouterPair.Name(routers.First);
    private readonly string _second = RouterPair.Name(routers.Second);

    [Fact]
    public async Task Set_TwoInstances_ChangesEachAndReportsBeforeAfterRevisionAndPersistence()
    {
        var before = await _probe.GetAsync(routers.First, "set");
        var beforeSecond = await _probe.GetAsync(routers.Second, "set");

        var recorder = new RequestRecorder(new SocketsHttpHandler { UseProxy = false });

        var result = await Tool.RunAsync(["set", "set", "control=60", "treatment=40", "--admin", routers.BothAdmins], c => c with { CreateHandler = _ => recorder });

        Assert.True(result.ExitCode == 0, result.ToString());
        // Each change is conditional on the revision that instance answered with.
        var puts = recorder.Requests.Where(r => r.Method == HttpMethod.Put).Select(r => r.IfMatch).Order().ToList();
        Assert.Equal(new[] { $"\"{before.Revision}\"", $"\"{beforeSecond.Revision}\"" }.Order(), puts);
        foreach (var (router, name, revision) in new[] { (routers.First, _first, before.Revision), (routers.Second, _second, beforeSecond.Revision) })
        {
            var now = await _probe.GetAsync(router, "set");
            Assert.Equal((60m, 40m, "admin", revision + 1), (now.Control, now.Treatment, now.Source, now.Revision));
            var line = result.LineOf(name);
            Assert.Contains("applied", line, StringComparison.Ordinal);
            Assert.Contains("control=90 treatment=10 -> control=60 treatment=40", line, StringComparison.Ordinal);
            Assert.Contains($"revision {revision} -> {revision + 1}", line, StringComparison.Ordinal);
            Assert.Contains("persisted n.a.", line, StringComparison.Ordinal);
        }

        Assert.Contains("done on all 2 instances", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_DryRun_ShowsWhatWouldChangeAndChangesNothing()
    {
        var before = await _probe.GetAsync(routers.First, "dry-run");

        var result = await Tool.RunAsync("set", "dry-run", "treatment=25", "--dry-run", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("would change  control=90 treatment=10 -> control=90 treatment=25", result.LineOf(_first), StringComparison.Ordinal);
        Assert.Contains("would change", result.LineOf(_second), StringComparison.Ordinal);
        var after = await _probe.GetAsync(routers.First, "dry-run");
        Assert.Equal((before.Revision, 90m, 10m, "config"), (after.Revision, after.Control, after.Treatment, after.Source));
        Assert.Equal("config", (await _probe.GetAsync(routers.Second, "dry-run")).Source);
    }

    [Fact]
    public async Task Set_InstanceAlreadyAtTheWeights_IsLeftAloneAndTheOthersAreChanged()
    {
        await _probe.SetAsync(routers.First, "unchanged", 70, 30);
        var first = await _probe.GetAsync(routers.First, "unchanged");

        var result = await Tool.RunAsync("set", "unchanged", "control=70", "treatment=30", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"unchanged     already control=70 treatment=30  revision {first.Revision}", result.LineOf(_first), StringComparison.Ordinal);
        Assert.Contains("applied", result.LineOf(_second), StringComparison.Ordinal);
        Assert.Equal(first.Revision, (await _probe.GetAsync(routers.First, "unchanged")).Revision);
        Assert.Equal(30m, (await _probe.GetAsync(routers.Second, "unchanged")).Treatment);
    }

    [Fact]
    public async Task Set_ChangeBetweenReadAndWrite_IsReportedAsAConflictNotOverwritten()
    {
        var concurrent = new ConcurrentChange(routers.First, () => _probe.SetAsync(routers.First, "conflict", 70, 30), new SocketsHttpHandler { UseProxy = false });

        var result = await Tool.RunAsync(["set", "conflict", "control=50", "treatment=50", "--admin", routers.BothAdmins], c => c with { CreateHandler = _ => concurrent });

        Assert.True(concurrent.Happened);
        Assert.True(result.ExitCode == 1, result.ToString());
        var held = await _probe.GetAsync(routers.First, "conflict");
        Assert.Equal((70m, 30m), (held.Control, held.Treatment));
        var line = result.LineOf(_first);
        Assert.Contains("CONFLICT", line, StringComparison.Ordinal);
        Assert.Contains($"now at revision {held.Revision} with control=70 treatment=30; not applied", line, StringComparison.Ordinal);
        Assert.Contains("applied", result.LineOf(_second), StringComparison.Ordinal);
        Assert.Equal(50m, (await _probe.GetAsync(routers.Second, "conflict")).Treatment);
        Assert.Contains("NOT DONE everywhere: 1 of 2 instance(s) not changed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_ForceOverAConcurrentChange_Applies()
    {
        var concurrent = new ConcurrentChange(routers.First, () => _probe.SetAsync(routers.First, "force", 70, 30), new SocketsHttpHandler { UseProxy = false });

        var result = await Tool.RunAsync(["set", "force", "control=50", "treatment=50", "--force", "--admin", routers.BothAdmins], c => c with { CreateHandler = _ => concurrent });

        Assert.True(concurrent.Happened);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(50m, (await _probe.GetAsync(routers.First, "force")).Control);
        // The router's own answer names what it replaced: the concurrent change.
        Assert.Contains("applied       control=70 treatment=30 -> control=50 treatment=50", result.LineOf(_first), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_InstanceDown_IsNamedAndTheOthersAreChanged()
    {
        var down = ClosedPort.Address();

        var result = await Tool.RunAsync("set", "down", "treatment=35", "--admin", _first, "--admin", down, "--admin", _second);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(35m, (await _probe.GetAsync(routers.First, "down")).Treatment);
        Assert.Equal(35m, (await _probe.GetAsync(routers.Second, "down")).Treatment);
        var line = result.LineOf(down);
        Assert.Contains("FAILED", line, StringComparison.Ordinal);
        Assert.Contains("cannot reach it", line, StringComparison.Ordinal);
        Assert.Contains("applied", result.LineOf(_first), StringComparison.Ordinal);
        Assert.Contains("applied", result.LineOf(_second), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_HeadlessServiceName_ReachesEveryAddressItResolvesTo()
    {
        var names = new Dictionary<string, IPAddress[]> { ["routers.test"] = [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.1")] };

        var result = await Tool.RunAsync(["set", "dns", "treatment=45", "--admin-dns", $"routers.test:{routers.AdminPort}"], c => c with { Resolve = Tool.Resolver(names) });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(45m, (await _probe.GetAsync(routers.First, "dns")).Treatment);
        Assert.Equal(45m, (await _probe.GetAsync(routers.Second, "dns")).Treatment);
        Assert.True(result.Out.IndexOf(_first, StringComparison.Ordinal) < result.Out.IndexOf(_second, StringComparison.Ordinal), result.ToString());
    }
}
