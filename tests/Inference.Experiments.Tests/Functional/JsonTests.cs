using System.Text.Json;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Functional;

[Collection(RouterCollection.Name)]
public sealed class JsonTests(RouterPair routers)
{
    [Fact]
    public async Task Set_Json_IsOneDocumentWithEveryInstanceResult()
    {
        var before = await routers.Probe.GetAsync(routers.First, "json");

        var result = await Tool.RunAsync("set", "json", "control=30", "treatment=70", "--json", "--admin", routers.BothAdmins);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("set", root.GetProperty("command").GetString());
        Assert.Equal("json", root.GetProperty("model").GetString());
        Assert.Equal(70m, root.GetProperty("requested").GetProperty("treatment").GetDecimal());
        Assert.Equal((0, 0), (root.GetProperty("failed").GetInt32(), root.GetProperty("exitCode").GetInt32()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("diverged").ValueKind);
        var first = root.GetProperty("instances")[0];
        Assert.Equal(RouterPair.Name(routers.First), first.GetProperty("instance").GetString());
        Assert.Equal("applied", first.GetProperty("outcome").GetString());
        Assert.Equal("json-rollout", first.GetProperty("experiment").GetString());
        Assert.Equal(10m, first.GetProperty("before").GetProperty("treatment").GetDecimal());
        Assert.Equal(70m, first.GetProperty("after").GetProperty("treatment").GetDecimal());
        Assert.Equal(before.Revision, first.GetProperty("revisionBefore").GetInt64());
        Assert.Equal((await routers.Probe.GetAsync(routers.First, "json")).Revision, first.GetProperty("revision").GetInt64());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("persisted").ValueKind);
        Assert.Equal("applied", root.GetProperty("instances")[1].GetProperty("outcome").GetString());
    }
}
