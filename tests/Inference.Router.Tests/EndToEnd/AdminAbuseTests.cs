using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inference.Router.Tests.Infrastructure;

namespace Inference.Router.Tests.EndToEnd;

/// <summary>The admin API under abuse: undecodable and oversized bodies, control characters, a flood of bad tokens.</summary>
public sealed class AdminAbuseTests : IrisBackendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string Config => Configs.Iris([V1.Url], [V2.Url], 90, 10);

    private static Task<HttpResponseMessage> PutAsync(TestRouter router, HttpContent content) =>
        router.Admin.PutAsync("/admin/models/iris/experiment/weights", content);

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

    [Fact]
    public async Task BodyThatIsNotUtf8_Is400WithAReason_AndAudited()
    {
        await using var router = await TestRouter.StartAsync(Config);
        var content = new ByteArrayContent([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await PutAsync(router, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not UTF-8", await ErrorAsync(response), StringComparison.Ordinal);
        await router.Logs.WaitForAsync(Patience, "audit:", "action=set-weights model=iris refused", "not UTF-8");
        Assert.Equal(1, await router.MetricAsync("router_admin_changes_total{model=\"iris\",action=\"set-weights\",result=\"refused\"}"));
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413_AndAudited()
    {
        await using var router = await TestRouter.StartAsync(Config);
        var padding = new string('a', 1024 * 1024);

        var response = await PutAsync(router, new StringContent($$"""{"control": 50, "padding": "{{padding}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than the limit of 65536 bytes", await ErrorAsync(response), StringComparison.Ordinal);
        await router.Logs.WaitForAsync(Patience, "audit:", "refused", "--max-admin-body-bytes");
        Assert.Equal(90m, (await router.GetModelsAsync()).GetProperty("models").GetProperty("iris").GetProperty("experiment").GetProperty("weights").GetProperty("control").GetDecimal());
    }

    [Fact]
    public async Task ControlCharactersInAGroupName_AreEscapedInTheAuditLine()
    {
        await using var router = await TestRouter.StartAsync(Config);

        var response = await PutAsync(router, new StringContent("{\"con\\r\\ntrol\\u001b[31m\": 50}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var line = await router.Logs.WaitForAsync(Patience, "audit:", "refused", "has no group");
        Assert.Contains(@"con\u000d\u000atrol\u001b[31m", line, StringComparison.Ordinal);
        Assert.DoesNotContain(router.Logs.Lines, l => l.Contains('\r') || l.Contains('\u001b'));
    }

    [Fact]
    public async Task DenialFlood_IsCountedInFull_ButLoggedAtALimitedRate()
    {
        await using var router = await TestRouter.StartAsync(Config);
        using var intruder = new HttpClient { BaseAddress = router.Admin.BaseAddress };
        intruder.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guessed-token");
        const int Attempts = 200;

        for (var i = 0; i < Attempts; i++)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await intruder.GetAsync("/admin/models")).StatusCode);
        }

        Assert.Equal(Attempts, await router.MetricAsync("router_admin_denied_total{status=\"403\"}"));
        var lines = router.Logs.Lines.Count(l => l.Contains("denied (403)", StringComparison.Ordinal));
        // Ten a minute: the whole flood would have to take over nine minutes to reach half of it.
        Assert.InRange(lines, 1, Attempts / 2);
    }
}
