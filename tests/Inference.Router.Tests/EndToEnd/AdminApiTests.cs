using System.Net;
using System.Text.Json;
using Inference.Router.Tests.Infrastructure;
using Inference.Testing;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The admin API's guarantees beyond a plain change: persistence reported truthfully, token rotation, concurrent experimenters.</summary>
public sealed class AdminApiTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private string Config => Configs.Iris([V1.Url], [V2.Url], 90, 10);

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static JsonElement Weights(JsonElement models) => models.GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights");

    [Fact]
    public async Task StateFileUnwritable_TheChangeStillApplies_AndTheAnswerSaysItIsNotPersisted()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        // The state file's parent is a regular file: no directory can be made there, whoever runs the test.
        var blocker = Path.Combine(directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");
        await using var router = await TestRouter.StartAsync(Config, directory: directory, stateFile: Path.Combine(blocker, "state.json"));

        var set = await router.PutWeightsAsync("iris", """{"control": 50, "treatment": 50}""");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.False((await BodyAsync(set)).GetProperty("persisted").GetBoolean());
        var line = await router.Logs.WaitForAsync(Patience, "Could not write the state file", "will not survive a restart");
        Assert.StartsWith("Error:", line, StringComparison.Ordinal);
        Assert.Equal(50m, Weights(await router.GetModelsAsync()).GetProperty("treatment").GetDecimal());

        // A rollback is never blocked by the state file.
        var rollback = await router.RollbackAsync("iris");
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.False((await BodyAsync(rollback)).GetProperty("persisted").GetBoolean());
        Assert.Equal(0m, Weights(await router.GetModelsAsync()).GetProperty("treatment").GetDecimal());
        Assert.Equal(2, await router.MetricAsync("router_state_save_failures_total"));
    }

    [Fact]
    public async Task Persisted_IsTrueWhenTheStateFileIsWritten_AndAbsentWithoutOne()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        var state = Path.Combine(directory, "state.json");
        await using (var router = await TestRouter.StartAsync(Config, directory: directory, stateFile: state))
        {
            var set = await router.PutWeightsAsync("iris", """{"treatment": 20}""");
            Assert.True((await BodyAsync(set)).GetProperty("persisted").GetBoolean());
            Assert.Contains("\"treatment\": 20", await File.ReadAllTextAsync(state), StringComparison.Ordinal);
            Assert.Null(await router.MetricAsync("router_state_save_failures_total"));
        }

        await using var stateless = await TestRouter.StartAsync(Config);
        var body = await BodyAsync(await stateless.PutWeightsAsync("iris", """{"treatment": 20}"""));
        Assert.False(body.TryGetProperty("persisted", out _));
        Assert.Equal(20m, body.GetProperty("after").GetProperty("treatment").GetDecimal());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("""{"models": {"iris": {"weights": {"control": "x"}}}}""")]
    [InlineData("""{"models": {"iris": 7}}""")]
    [InlineData("\u0000\u0001garbage")]
    public async Task CorruptStateFile_AtStartup_IsLogged_AndTheConfiguredWeightsApply(string content)
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        var state = Path.Combine(directory, "state.json");
        await File.WriteAllTextAsync(state, content);
        await using var router = await TestRouter.StartAsync(Config, directory: directory, stateFile: state);

        var line = await router.Logs.WaitForAsync(Patience, $"Could not read the state file {state}", "starting without saved admin changes");
        Assert.StartsWith("Error:", line, StringComparison.Ordinal);
        var experiment = (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment");
        Assert.Equal(("config", 10m), (experiment.GetProperty("weightsSource").GetString(), experiment.GetProperty("weights").GetProperty("treatment").GetDecimal()));

        // The next change replaces the corrupt file.
        Assert.True((await BodyAsync(await router.PutWeightsAsync("iris", """{"treatment": 30}"""))).GetProperty("persisted").GetBoolean());
        Assert.Contains("\"treatment\": 30", await File.ReadAllTextAsync(state), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateFile_WithAnOutOfRangeWeight_IsDroppedAtStartup_NotACrash()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        var state = Path.Combine(directory, "state.json");
        await using (var first = await TestRouter.StartAsync(Config, directory: directory, stateFile: state))
        {
            Assert.Equal(HttpStatusCode.OK, (await first.PutWeightsAsync("iris", """{"treatment": 30}""")).StatusCode);
        }

        // Hand-edited to a weight the admin API would refuse (large enough to overflow the bucket arithmetic).
        var text = await File.ReadAllTextAsync(state);
        Assert.Contains("\"treatment\": 30", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(state, text.Replace("\"treatment\": 30", "\"treatment\": 1e27", StringComparison.Ordinal));

        await using var second = await TestRouter.StartAsync(Config, directory: directory, stateFile: state);
        await second.Logs.WaitForAsync(Patience, "superseded", "the saved weights do not fit");
        Assert.Equal(10m, Weights(await second.GetModelsAsync()).GetProperty("treatment").GetDecimal());
    }

    [Fact]
    public async Task AdminTokenFile_IsReReadWhenItChanges_AndAnEmptyFileKeepsTheCurrentToken()
    {
        using var scratch = new TempDirectory("router");
        var directory = scratch.Path;
        var tokenFile = Path.Combine(directory, "token");
        await File.WriteAllTextAsync(tokenFile, "first-token\n");
        await using var router = await TestRouter.StartAsync(Config, directory: directory, tokenFile: tokenFile);
        using var first = AdminClient(router, "first-token");
        using var second = AdminClient(router, "second-token");
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/admin/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await second.GetAsync("/admin/models")).StatusCode);

        // A rotated Secret: new content renamed over the old file.
        await ReplaceAsync(tokenFile, "second-token\n");
        var reloaded = await router.Logs.WaitForAsync(Patience, "Admin token reloaded from", tokenFile);
        Assert.DoesNotContain("second-token", reloaded, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/admin/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await first.GetAsync("/admin/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync("/admin/models/iris/experiment/rollback", null)).StatusCode);
        await router.Logs.WaitForAsync(Patience, "audit: who=token:", "action=rollback");

        // An empty or missing file would lock everyone out: the current token stays.
        await ReplaceAsync(tokenFile, "  \n");
        await router.Logs.WaitForAsync(Patience, "Admin token file", "is unusable (it is empty); keeping the current token");
        File.Delete(tokenFile);
        await router.Logs.WaitForAsync(Patience, "Admin token file", "is unusable (cannot read it");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/admin/models")).StatusCode);
        using var anonymous = AdminClient(router, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/models")).StatusCode);
    }

    [Fact]
    public async Task IfMatch_StaleRevision_Is412WithTheCurrentRevision_AndAuditedAsRefused()
    {
        await using var router = await TestRouter.StartAsync(Config);
        var view = await router.Admin.GetAsync("/admin/models");
        var etag = view.Headers.ETag!.Tag;
        Assert.Equal($"\"{(await BodyAsync(view)).GetProperty("revision").GetInt64()}\"", etag);
        Assert.False(view.Headers.ETag.IsWeak);

        // Alice and Bob both read revision 1; Alice's change lands first.
        var alice = await router.PutWeightsAsync("iris", """{"control": 50, "treatment": 50}""", ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Equal("\"2\"", alice.Headers.ETag!.Tag);

        var bob = await router.PutWeightsAsync("iris", """{"control": 80, "treatment": 20}""", ifMatch: etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, bob.StatusCode);
        Assert.Equal("\"2\"", bob.Headers.ETag!.Tag);
        var refusal = await BodyAsync(bob);
        Assert.Equal(2, refusal.GetProperty("revision").GetInt64());
        Assert.Contains("revision 2", refusal.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(50m, Weights(await router.GetModelsAsync()).GetProperty("treatment").GetDecimal());
        await router.Logs.WaitForAsync(Patience, "audit: who=token:", "action=set-weights model=iris refused: the routing state changed");

        var staleRollback = await router.RollbackAsync("iris", ifMatch: etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleRollback.StatusCode);
        Assert.Equal(50m, Weights(await router.GetModelsAsync()).GetProperty("treatment").GetDecimal());

        // The current revision, any of a list, or * applies; so does no precondition at all.
        Assert.Equal(HttpStatusCode.OK, (await router.RollbackAsync("iris", ifMatch: "\"1\", \"2\"")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await router.PutWeightsAsync("iris", """{"treatment": 5}""", ifMatch: "*")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await router.PutWeightsAsync("iris", """{"treatment": 6}""")).StatusCode);
        var malformed = await router.PutWeightsAsync("iris", """{"treatment": 7}""", ifMatch: "5");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("If-Match must be the quoted revision", (await BodyAsync(malformed)).GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal(5, router.Revision);
        Assert.Equal(2, await router.MetricAsync("router_admin_changes_total{action=\"set-weights\",model=\"iris\",result=\"refused\"}"));
        Assert.Equal(1, await router.MetricAsync("router_admin_changes_total{action=\"rollback\",model=\"iris\",result=\"refused\"}"));
    }

    private static HttpClient AdminClient(TestRouter router, string? token)
    {
        var client = new HttpClient { BaseAddress = router.Admin.BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    private static async Task ReplaceAsync(string path, string content)
    {
        await File.WriteAllTextAsync(path + ".new", content);
        File.Move(path + ".new", path, overwrite: true);
    }
}
