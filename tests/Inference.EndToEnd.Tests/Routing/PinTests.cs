using Inference.Client;
using Inference.EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace Inference.EndToEnd.Tests.Routing;

/// <summary>A request that names model_version bypasses the experiment and reaches that version.</summary>
[Collection(StackCollection.Name)]
public sealed class PinTests(IrisStack stack)
{
    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task ModelVersion_PinsThatVersion_EvenForAUserOfTheOtherGroup(string version)
    {
        // A user the experiment would send to the other version.
        var otherGroup = version == "1" ? "treatment" : "control";
        var key = Enumerable.Range(0, 1000).Select(i => $"pin-user-{i}").First(k => Assignment.Group(k, IrisStack.Split) == otherGroup);
        var before = await stack.Server(version).InferOkCountAsync();

        var response = await stack.Router.Client.ModelInferAsync(
            IrisCalls.Request(0, 10, version, id: "pinned"),
            OipTestClient.With(new Metadata { { RouterConfigFile.StickyHeader, key } }, TimeSpan.FromSeconds(30)));

        Assert.Equal(new ResponseTags("iris", version, RouterConfigFile.Experiment, "pinned"), response.Tags);
        Assert.Equal(version, response.Message.ModelVersion);
        Assert.Equal("pinned", response.Message.Id);
        Assert.Equal(version, IrisCalls.VersionOfOutputs(response.Message, 0));
        await Wait.CountAsync(before + 1, () => stack.Server(version).InferOkCountAsync(), $"v{version} server's count");
    }

    [Fact]
    public async Task ModelVersion_WinsOverAGroupOverride()
    {
        var response = await stack.Router.Client.ModelMetadataAsync("iris", "1",
            OipTestClient.With(new Metadata { { "x-experiment-group", "treatment" } }));

        Assert.Equal(new ResponseTags("iris", "1", RouterConfigFile.Experiment, "pinned"), response.Tags);
        Assert.Equal(["1"], response.Message.Versions);
    }

    [Fact]
    public async Task UnknownVersion_IsNotFound_WithTags()
    {
        var error = await Assert.ThrowsAsync<CallFailedException>(() => stack.Router.Client.ModelInferAsync(IrisCalls.Request(0, 1, version: "9")));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'9'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(new ResponseTags("iris", "9", RouterConfigFile.Experiment, "pinned"), error.Tags);
    }
}
