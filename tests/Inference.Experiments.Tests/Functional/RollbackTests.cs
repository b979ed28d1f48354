using System.Text.Json;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class RollbackTests(RouterPair routers)
{
    private readonly AdminProbe _probe = routers.Probe;
    private readonly string _first = RouterPair.Name(routers.First);
    private readonly string _second = RouterPair.Name(routers.Second);

    [Fact]
    public async Task Rollback_EveryInstance_SendsEverythingToControlWithoutARevisionCheck()
    {
        await _probe.SetAsync(routers.First, "rollback", 50, 50);
        await _probe.SetAsync(routers.Second, "rollback", 40, 60);
        var recorder = new RequestRecorder(new SocketsHttpHandler { UseProxy = false });

        var result = await Tool.RunAsync(["rollback", "rollback", "--admin", routers.BothAdmins], c => c with { CreateHandler = _ => recorder });

        Assert.True(result.ExitCode == 0, result.ToString());
        var first = await _probe.GetAsync(routers.First, "rollback");
        var second = await _probe.GetAsync(routers.Second, "rollback");
        Assert.Equal((100m, 0m), (first.Control, first.Treatment));
        Assert.Equal((100m, 0m), (second.Control, second.Treatment));
        Assert.Contains($"applied       control=50 treatment=50 -> control=100 treatment=0  revision {first.Revision}", result.LineOf(_first), StringComparison.Ordinal);
        Assert.Contains($"applied       control=40 treatment=60 -> control=100 treatment=0  revision {second.Revision}", result.LineOf(_second), StringComparison.Ordinal);
        // One POST per instance, none conditional: a rollback is never refused for a stale revision.
        Assert.Equal(2, recorder.Requests.Count(r => r.Method == HttpMethod.Post));
        Assert.All(recorder.Requests, r => Assert.Null(r.IfMatch));
    }

    [Fact]
    public async Task Rollback_InstanceDown_RetriesItAndRollsBackTheOthers()
    {
        await _probe.SetAsync(routers.First, "rollback-down", 50, 50);
        await _probe.SetAsync(routers.Second, "rollback-down", 50, 50);
        var down = ClosedPort.Address();

        var result = await Tool.RunAsync("rollback", "rollback-down", "--json", "--admin", $"{_first},{down},{_second}");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(0m, (await _probe.GetAsync(routers.First, "rollback-down")).Treatment);
        Assert.Equal(0m, (await _probe.GetAsync(routers.Second, "rollback-down")).Treatment);
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("failed").GetInt32());
        var instances = root.GetProperty("instances").EnumerateArray().ToDictionary(i => i.GetProperty("instance").GetString()!);
        Assert.Equal("failed", instances[down].GetProperty("outcome").GetString());
        Assert.Equal(3, instances[down].GetProperty("attempts").GetInt32());
        Assert.Contains("cannot reach it", instances[down].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, instances[down].GetProperty("statusCode").ValueKind);
        foreach (var name in new[] { _first, _second })
        {
            Assert.Equal("applied", instances[name].GetProperty("outcome").GetString());
            Assert.Equal(1, instances[name].GetProperty("attempts").GetInt32());
            Assert.Equal(100m, instances[name].GetProperty("after").GetProperty("control").GetDecimal());
        }
    }

    [Fact]
    public async Task Rollback_UnknownModel_FailsAtOnceWithTheRoutersReason()
    {
        var result = await Tool.RunAsync("rollback", "no-such-model", "--admin", _first);

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = result.LineOf(_first);
        Assert.Contains("HTTP 404: model 'no-such-model' is not configured", line, StringComparison.Ordinal);
        Assert.DoesNotContain("attempts", line, StringComparison.Ordinal);
    }
}
