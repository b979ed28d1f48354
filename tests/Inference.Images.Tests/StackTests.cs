using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Images.Tests.Infrastructure;

namespace Inference.Images.Tests;

/// <summary>
/// The whole stack of images (iris:1, iris:2 and the router in front, 90/10) started as the chart starts
/// it, called as router/example/run-stack.sh calls its processes: python3-grpcio through the router, and
/// the admin API with the chart's token.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed partial class StackTests(BuiltImages images)
{
    private const int Users = 12;
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    [GeneratedRegex(@"^(?<user>user-[0-9]+)  model=(?<model>\S+) version=(?<version>\S+) experiment=(?<experiment>\S+) group=(?<group>\S+)  -> (?<species>\S+)$", RegexOptions.Multiline)]
    private static partial Regex AnswerLine();

    [ImageFact]
    public async Task Stack_LocalStackCalls_AreTaggedWithTheContractsGroupAndVersion()
    {
        ImagePeers.Require();
        var stack = await images.StackAsync();

        var answers = await CallAsUsersAsync(stack);

        Assert.All(answers, a => Assert.Equal(
            ExperimentContract.Group(ImageStack.Experiment, a.User, ("control", ImageStack.ControlWeight), ("treatment", ImageStack.TreatmentWeight)),
            a.Group));
        // The calls of run-stack.sh reach both groups (the same twelve users always do: assignment is a pure function).
        Assert.Contains(answers, a => a.Group == "treatment");
        Assert.Contains(answers, a => a.Group == "control");
    }

    [ImageFact]
    public async Task RouterImage_Python3Grpcio_PassesEveryRouterCase()
    {
        ImagePeers.Require();
        var stack = await images.StackAsync();

        var result = await PythonClients.RouterCasesAsync(stack.RouterAddress, ImageStack.Experiment, ImageStack.ControlWeight, ImageStack.TreatmentWeight);

        Assert.True(result.ExitCode == 0, $"router_client.py against the router image: {result}\nrouter log:\n{stack.Router.Process.Output}");
        Assert.Contains("PASS model_infer_split", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("PASS model_infer_sticky", result.Stdout, StringComparison.Ordinal);
    }

    [ImageFact]
    public async Task Rollback_ChartsToken_AppliesAndIsKeptInTheImagesStateFolder()
    {
        ImagePeers.Require();
        var stack = await images.StackAsync();
        using var admin = ImageStack.AdminClient(stack.Admin);
        try
        {
            using var rollback = await admin.PostAsync("/admin/models/iris/experiment/rollback", null);

            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            var body = (await rollback.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(100, body["after"]!["control"]!.GetValue<int>());
            Assert.Equal(0, body["after"]!["treatment"]!.GetValue<int>());
            // The chart's --state-file is in the image's own folder for it, writable by UID 10001.
            Assert.True(body["persisted"]!.GetValue<bool>(), body.ToJsonString());
            var answers = await CallAsUsersAsync(stack);
            Assert.All(answers, a => Assert.Equal(("control", "1"), (a.Group, a.Version)));
        }
        finally
        {
            using var restore = await admin.PutAsJsonAsync(
                "/admin/models/iris/experiment/weights", new { control = ImageStack.ControlWeight, treatment = ImageStack.TreatmentWeight });
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        }
    }

    [ImageFact]
    public async Task Stack_EveryProcess_RunsAsUid10001InItsOwnImage()
    {
        ImagePeers.Require();
        var stack = await images.StackAsync();

        foreach (var container in stack.ModelServers.Values.Select(s => s.Container).Append(stack.Router))
        {
            ProcessAssert.RunsAsTheChartsUser(container.Pid);
            ProcessAssert.Root(container.Pid);
        }

        // The model images serve the model they carry: nothing is mounted at /models.
        Assert.All(stack.ModelServers.Values, s => Assert.DoesNotContain(s.Chart.Mounts, m => m.MountPath == "/models"));
    }

    /// <summary>call_router.py as run-stack.sh runs it; every answer is also checked against the version its group serves.</summary>
    private static async Task<IReadOnlyList<(string User, string Group, string Version)>> CallAsUsersAsync(ImageStack stack)
    {
        var result = await PythonClients.CallRouterAsync(stack.RouterAddress, Users);
        Assert.True(result.ExitCode == 0, $"call_router.py: {result}");
        var answers = AnswerLine().Matches(result.Stdout).ToList();
        Assert.Equal(Users, answers.Count);
        return answers.Select((answer, i) =>
        {
            var group = answer.Groups["group"].Value;
            var version = answer.Groups["version"].Value;
            Assert.Equal($"user-{i + 1:00}", answer.Groups["user"].Value);
            Assert.Equal(("iris", ImageStack.Experiment), (answer.Groups["model"].Value, answer.Groups["experiment"].Value));
            Assert.Equal(group == "control" ? "1" : "2", version);
            // call_router.py sends one flower of each species in turn; both versions classify them right.
            Assert.Equal(Species[i % Species.Length], answer.Groups["species"].Value);
            return (answer.Groups["user"].Value, group, version);
        }).ToList();
    }
}
