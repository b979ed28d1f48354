using Inference.Client;
using Inference.EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace Inference.EndToEnd.Tests.Routing;

/// <summary>
/// Sticky assignment is a pure function of experiment and key: two router processes (as two router
/// pods would be) put every user in the same group, the one the SHA-256 contract gives.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class StickinessTests(IrisStack stack)
{
    private const int Users = 200;

    [Fact]
    public async Task SameKeys_OnTwoRouterProcesses_LandInTheSameGroupAndVersion_TheContractGives()
    {
        // A second process with the shared router's configuration, started later, with its own random source.
        await using var second = await RouterProcess.StartAsync(
            RouterConfigFile.Iris([stack.V1.Endpoint], [stack.V2.Endpoint], IrisStack.Split.Control, IrisStack.Split.Treatment));
        var routers = new[] { stack.Router, second, stack.Router };
        var rows = IrisExpected.For("1").Rows;

        var groups = new List<string>();
        for (var user = 0; user < Users; user++)
        {
            var key = $"sticky-user-{user}";
            var expected = Assignment.Group(key, IrisStack.Split);
            foreach (var router in routers)
            {
                var response = await router.Client.ModelInferAsync(
                    IrisCalls.Request(user % rows, 1),
                    OipTestClient.With(new Metadata { { RouterConfigFile.StickyHeader, key } }, TimeSpan.FromSeconds(30)));

                Assert.Equal(new ResponseTags("iris", Assignment.VersionOf(expected), RouterConfigFile.Experiment, expected), response.Tags);
                // The answer really came from that version: its server says so and its outputs are that version's.
                Assert.Equal(Assignment.VersionOf(expected), response.Message.ModelVersion);
                Assert.Equal(Assignment.VersionOf(expected), IrisCalls.VersionOfOutputs(response.Message, user % rows));
            }

            groups.Add(expected);
        }

        // The keys cover both groups, so agreement means something for each.
        Assert.Contains("treatment", groups);
        Assert.Contains("control", groups);
    }
}
