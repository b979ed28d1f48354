using System.Net;
using Inference.Experiments.Tests.Infrastructure;

namespace Inference.Experiments.Tests.Unit;

/// <summary>How the tool reads answers no real router gives on demand: gateways in between, foreign servers, address prefixes.</summary>
public sealed class AdminAnswerTests
{
    private const string Change = """{"experiment":"e","before":{"control":50,"treatment":50},"after":{"control":100,"treatment":0},"revision":9}""";

    [Fact]
    public async Task AdminAddress_WithAPath_KeepsItAsAPrefixOfTheAdminPaths()
    {
        var handler = new ScriptedHandler((HttpStatusCode.OK, """{"revision":7,"ready":true,"models":{}}"""));

        var result = await Tool.RunAsync(["status", "--admin=http://10.0.0.1:8081/routers/a"], c => c with { CreateHandler = _ => handler });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["GET /routers/a/admin/models"], handler.Paths);
        Assert.Contains("http://10.0.0.1:8081/routers/a  revision 7  ready", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterAGatewayError_TriesAgainAndReportsTheAttempts()
    {
        var handler = new ScriptedHandler(
            (HttpStatusCode.ServiceUnavailable, "upstream connect error"),
            (HttpStatusCode.BadGateway, ""),
            (HttpStatusCode.OK, Change));

        var result = await Tool.RunAsync(["rollback", "iris", "--admin", "http://10.0.0.1:8081"], c => c with { CreateHandler = _ => handler });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, handler.Paths.Count);
        Assert.All(handler.Paths, p => Assert.Equal("POST /admin/models/iris/experiment/rollback", p));
        Assert.Contains("revision 9  persisted n.a.  (after 3 attempts)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_ThreeFailedAttempts_GivesUpWithTheLastReason()
    {
        var handler = new ScriptedHandler((HttpStatusCode.GatewayTimeout, "upstream request timeout"));

        var result = await Tool.RunAsync(["rollback", "iris", "--admin", "http://10.0.0.1:8081"], c => c with { CreateHandler = _ => handler });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(3, handler.Paths.Count);
        Assert.Contains("FAILED        HTTP 504: upstream request timeout  (after 3 attempts)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ServerThatIsNotARouterAdminPort_IsNamedAsSuch()
    {
        var handler = new ScriptedHandler((HttpStatusCode.OK, "<html>hello</html>"));

        var result = await Tool.RunAsync(["status", "--admin", "http://10.0.0.1:8080"], c => c with { CreateHandler = _ => handler });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("http://10.0.0.1:8080  FAILED  HTTP 200: the answer is not the router admin API's JSON", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_InstanceThatNeverAnswers_FailsAfterTheTimeoutAndTheOthersAreReported()
    {
        var handler = new SilentHandler(new Uri("http://10.0.0.2:8081/"), new ScriptedHandler((HttpStatusCode.OK, """{"revision":3,"ready":true,"models":{}}""")));

        var result = await Tool.RunAsync(["status", "--timeout", "0.2", "--admin", "http://10.0.0.1:8081,http://10.0.0.2:8081"], c => c with { CreateHandler = _ => handler });

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("http://10.0.0.2:8081  FAILED  no answer within 0.2 s", result.Out, StringComparison.Ordinal);
        Assert.Contains("http://10.0.0.1:8081  revision 3  ready", result.Out, StringComparison.Ordinal);
    }
}
