using Inference.Client;
using Inference.EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace Inference.EndToEnd.Tests.Interop;

/// <summary>The generated .NET client with the client helpers (tensors, ResponseTags) used against the router as a backend service would.</summary>
[Collection(StackCollection.Name)]
public sealed class DotNetClientTests(IrisStack stack)
{
    private OipTestClient Client => stack.Router.Client;

    private static CallOptions As(string user, string? group = null, string? compression = null)
    {
        var headers = new Metadata { { RouterConfigFile.StickyHeader, user } };
        if (group is not null)
        {
            headers.Add("x-experiment-group", group);
        }

        return OipTestClient.With(headers, TimeSpan.FromSeconds(30), compression);
    }

    private static string UserOf(string group) =>
        Enumerable.Range(0, 1000).Select(i => $"client-user-{i}").First(k => Assignment.Group(k, IrisStack.Split) == group);

    [Fact]
    public async Task ServerCalls_AreAnsweredByTheRouter()
    {
        Assert.True((await Client.ServerLiveAsync()).Message.Live);
        Assert.True((await Client.ServerReadyAsync()).Message.Ready);
        var metadata = await Client.ServerMetadataAsync();
        Assert.Equal("inference-router", metadata.Message.Name);
        Assert.NotEmpty(metadata.Message.Version);
    }

    [Theory]
    [InlineData("control")]
    [InlineData("treatment")]
    public async Task StickyUser_GetsTheirGroupsVersion_EveryTime(string group)
    {
        var user = UserOf(group);
        var version = Assignment.VersionOf(group);
        for (var call = 0; call < 5; call++)
        {
            var response = await Client.ModelInferAsync(IrisCalls.Request(0, 10, id: $"call-{call}"), As(user));

            Assert.Equal(new ResponseTags("iris", version, RouterConfigFile.Experiment, group), response.Tags);
            Assert.Equal(version, response.Message.ModelVersion);
            Assert.Equal(version, IrisCalls.VersionOfOutputs(response.Message, 0));
        }
    }

    [Fact]
    public async Task GroupOverride_TypedContentsAndGzip_ReachTheOverriddenVersion()
    {
        var user = UserOf("control");
        var request = new Contracts.Oip.ModelInferRequest { ModelName = "iris" }
            .AddInput<float>("input", IrisExpected.For("1").Inputs.SelectMany(r => r).ToArray(), [10, 4], TensorEncoding.Typed)
            .RequestTypedOutputs();

        var response = await Client.ModelInferAsync(request, As(user, group: "treatment", compression: "gzip"));

        Assert.Equal(new ResponseTags("iris", "2", RouterConfigFile.Experiment, "treatment"), response.Tags);
        Assert.Empty(response.Message.RawOutputContents);
        Assert.Equal("2", IrisCalls.VersionOfOutputs(response.Message, 0));
    }

    [Fact]
    public async Task ModelMetadataAndReady_ComeFromTheAssignedVersion()
    {
        var user = UserOf("treatment");

        var metadata = await Client.ModelMetadataAsync("iris", options: As(user));
        var ready = await Client.ModelReadyAsync("iris", options: As(user));

        Assert.Equal(new ResponseTags("iris", "2", RouterConfigFile.Experiment, "treatment"), metadata.Tags);
        Assert.Equal(["2"], metadata.Message.Versions);
        Assert.Equal("onnxruntime_onnx", metadata.Message.Platform);
        Assert.Equal(64, metadata.ResponseHeaders.GetValue("x-model-sha256")?.Length);
        Assert.True(ready.Message.Ready);
        Assert.Equal("2", ready.Tags.ModelVersion);
    }

    [Fact]
    public async Task Errors_CarryTags_ThroughGetTagsAsync()
    {
        var unknownModel = await Assert.ThrowsAsync<CallFailedException>(() => Client.ModelInferAsync(new Contracts.Oip.ModelInferRequest { ModelName = "other" }));
        var unknownGroup = await Assert.ThrowsAsync<CallFailedException>(() => Client.ModelInferAsync(IrisCalls.Request(0, 1), As("someone", group: "no-such-group")));
        // A client mistake the router cannot see: the model server itself rejects it, through the router.
        var badTensor = await Assert.ThrowsAsync<CallFailedException>(() => Client.ModelInferAsync(
            new Contracts.Oip.ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [1f, 2f, 3f], [1, 3]), As(UserOf("treatment"))));

        Assert.Equal(StatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal("other", unknownModel.Tags.ModelName);
        Assert.Equal(StatusCode.InvalidArgument, unknownGroup.StatusCode);
        Assert.Equal(("iris", RouterConfigFile.Experiment), (unknownGroup.Tags.ModelName, unknownGroup.Tags.Experiment));
        Assert.Equal(StatusCode.InvalidArgument, badTensor.StatusCode);
        Assert.Contains("input 'input'", badTensor.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(new ResponseTags("iris", "2", RouterConfigFile.Experiment, "treatment"), badTensor.Tags);
    }
}
