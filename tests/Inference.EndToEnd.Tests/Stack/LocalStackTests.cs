using System.Text.RegularExpressions;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Stack;

/// <summary>
/// The README's first command, <c>router/example/run-stack.sh</c>, run as a user would (with
/// <c>--once</c> and free ports): it must bring up both model servers and the router, and every
/// answer it prints must carry the tags the 90/10 experiment gives that user.
/// </summary>
public sealed partial class LocalStackTests
{
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    [Fact]
    public async Task RunStackOnce_ShowsTaggedAnswers_ForEveryUser_AsTheExperimentAssignsThem()
    {
        using var stackDirectory = new TempDirectory("stack");
        await using var script = await RunStackAsync(stackDirectory, "--once");

        var lines = script.Lines.Select(line => AnswerLine().Match(line)).Where(match => match.Success).ToList();
        var dotnetAnswers = lines.Where(match => match.Groups["p"].Success).ToList();
        var pythonAnswers = lines.Where(match => !match.Groups["p"].Success).ToList();

        Assert.Equal(12, dotnetAnswers.Count);
        var weights = new Weights(90, 10);
        for (var i = 0; i < dotnetAnswers.Count; i++)
        {
            var answer = dotnetAnswers[i];
            var user = answer.Groups["user"].Value;
            Assert.Equal($"user-{i + 1:D2}", user);
            AssertTagged(answer, weights);
            Assert.Equal(Species[i % Species.Length], answer.Groups["species"].Value);
        }

        // Sticky: the dozen users of this run include both groups, so the print-out shows a real split.
        Assert.Contains(dotnetAnswers, answer => answer.Groups["group"].Value == "treatment");
        Assert.Contains(dotnetAnswers, answer => answer.Groups["group"].Value == "control");

        if (Peers.Missing(Peers.PythonGrpc) is null)
        {
            // The same users from python3-grpcio land where the .NET client's did.
            Assert.Equal(3, pythonAnswers.Count);
            foreach (var answer in pythonAnswers)
            {
                AssertTagged(answer, weights);
            }
        }

        // The script stops what it started: nothing listens on the ports it printed any more.
        var router = RouterLine().Match(script.Output);
        Assert.True(router.Success, script.Output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(router.Groups["admin"].Value + "/healthz"));
    }

    [Fact]
    public async Task RunStackWithShadow_ComparesEveryCall_DisagreeingWithV1AndAgreeingWithV2()
    {
        using var stackDirectory = new TempDirectory("stack");
        await using var script = await RunStackAsync(stackDirectory, "--once", "--shadow");

        var answers = script.Lines.Select(line => AnswerLine().Match(line)).Where(match => match.Success).ToList();
        var shadow = script.Lines.Select(line => ShadowLine().Match(line)).Where(match => match.Success)
            .ToDictionary(match => (match.Groups["primary"].Value, match.Groups["result"].Value), match => int.Parse(match.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));

        // Version 3 serves the v2 model: every copy of a call v1 answered disagrees, every copy of a call v2 answered agrees.
        var byVersion = answers.GroupBy(answer => answer.Groups["version"].Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byVersion.GetValueOrDefault("1") > 0, script.Output);
        Assert.Equal(byVersion.GetValueOrDefault("1"), shadow.GetValueOrDefault(("1", "disagreed")));
        Assert.Equal(byVersion.GetValueOrDefault("2"), shadow.GetValueOrDefault(("2", "agreed")));
        Assert.Equal(0, shadow.GetValueOrDefault(("1", "agreed")));
        Assert.Equal(0, shadow.GetValueOrDefault(("2", "disagreed")));
        Assert.DoesNotContain(shadow.Keys, key => key.Item2 is "failed" or "dropped");
    }

    /// <summary>Runs the script with free ports and its files in <paramref name="directory"/>; it must exit 0.</summary>
    private static async Task<ChildProcess> RunStackAsync(TempDirectory directory, params string[] arguments)
    {
        var script = ChildProcess.Start("run-stack", "bash",
            [Path.Combine(RepoPaths.Root, "router", "example", "run-stack.sh"), .. arguments],
            new Dictionary<string, string?>
            {
                ["ROUTER_PORT"] = "0",
                ["ADMIN_PORT"] = "0",
                ["STACK_DIR"] = directory.Path,
            },
            workingDirectory: RepoPaths.Root);
        // Generous: the script builds first, and the suite runs it next to other test projects on a loaded machine.
        var exitCode = await script.WaitForExitAsync(TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, $"run-stack.sh exited {exitCode}:\n{script.Output}");
        return script;
    }

    private static void AssertTagged(Match answer, Weights weights)
    {
        var user = answer.Groups["user"].Value;
        var group = Assignment.Group(user, weights);
        Assert.Equal("iris", answer.Groups["model"].Value);
        Assert.Equal(RouterConfigFile.Experiment, answer.Groups["experiment"].Value);
        Assert.Equal(group, answer.Groups["group"].Value);
        Assert.Equal(Assignment.VersionOf(group), answer.Groups["version"].Value);
    }

    [GeneratedRegex(@"^(?<user>user-\d+)  model=(?<model>\S+) version=(?<version>\S+) experiment=(?<experiment>\S+) group=(?<group>\S+)  -> (?<species>\w+)(?<p> \(p=[0-9.]+\))?$")]
    private static partial Regex AnswerLine();

    [GeneratedRegex(@"^shadow v3 vs v(?<primary>\d+): (?<count>\d+) (?<result>\w+)$")]
    private static partial Regex ShadowLine();

    [GeneratedRegex(@"router at (?<grpc>http://\S+), admin API at (?<admin>http://[^\s(]+)")]
    private static partial Regex RouterLine();
}
