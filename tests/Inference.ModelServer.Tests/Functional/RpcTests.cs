using System.Security.Cryptography;
using Inference.Client;
using Inference.Contracts.Oip;
using Google.Protobuf;
using Grpc.Core;

namespace Inference.ModelServer.Tests.Functional;

public sealed class RpcTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task ServerLive_IsTrueAndTagged()
    {
        var response = await Server.Client.ServerLiveAsync();

        Assert.True(response.Message.Live);
        Assert.Equal("iris", response.Tags.ModelName);
        Assert.Equal("1", response.Tags.ModelVersion);
        Assert.Null(response.Tags.Experiment);
    }

    [Fact]
    public async Task ServerReady_IsTrueOnceWarm()
    {
        var response = await Server.Client.ServerReadyAsync();

        Assert.True(response.Message.Ready);
        Assert.Equal("iris", response.Tags.ModelName);
    }

    [Fact]
    public async Task ServerMetadata_NamesTheServer()
    {
        var response = await Server.Client.ServerMetadataAsync();

        Assert.Equal("inference-modelserver", response.Message.Name);
        Assert.False(string.IsNullOrEmpty(response.Message.Version));
        Assert.Equal("1", response.Tags.ModelVersion);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    public async Task ModelReady_ServedModel_IsReady(string? version)
    {
        var response = await Server.Client.ModelReadyAsync("iris", version);

        Assert.True(response.Message.Ready);
        Assert.Equal("iris", response.Tags.ModelName);
    }

    [Fact]
    public async Task ModelMetadata_DescribesTensorsAndCarriesSha256()
    {
        var response = await Server.Client.ModelMetadataAsync("iris");
        var metadata = response.Message;

        Assert.Equal("iris", metadata.Name);
        Assert.Equal(["1"], metadata.Versions);
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 4L], input.Shape);
        Assert.Equal(["probabilities", "label"], metadata.Outputs.Select(o => o.Name));
        Assert.Equal(["FP32", "INT64"], metadata.Outputs.Select(o => o.Datatype));
        Assert.Equal([-1L, 3L], metadata.Outputs[0].Shape);
        Assert.Equal([-1L], metadata.Outputs[1].Shape);

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(RepoPaths.IrisModel(1))));
        Assert.Equal(sha256, response.ResponseHeaders.GetValue("x-model-sha256"));
    }

    [Theory]
    [InlineData(TensorEncoding.Raw)]
    [InlineData(TensorEncoding.Typed)]
    public async Task ModelInfer_Iris_MatchesReferenceOutputs(TensorEncoding encoding)
    {
        var expected = IrisExpected.Load(1);
        var request = new ModelInferRequest { ModelName = "iris", Id = "req-42" }
            .AddInput("input", expected.Inputs, [expected.Rows, 4], encoding);

        var response = await Server.Client.ModelInferAsync(request);

        Assert.Equal("iris", response.Message.ModelName);
        Assert.Equal("1", response.Message.ModelVersion);
        Assert.Equal("req-42", response.Message.Id);
        Assert.Equal(("iris", "1"), (response.Tags.ModelName, response.Tags.ModelVersion));
        Assert.Equal(2, response.Message.RawOutputContents.Count);
        var probabilities = response.Message.GetOutput<float>("probabilities");
        Assert.Equal([expected.Rows, 3L], probabilities.Shape);
        AssertClose(expected.Probabilities, probabilities.Data);
        var labels = response.Message.GetOutput<long>("label");
        Assert.Equal([expected.Rows], labels.Shape);
        Assert.Equal(expected.Labels, labels.Data);
    }

    [Fact]
    public async Task ModelInfer_TypedOutputsRequested_ReturnsTypedContents()
    {
        var expected = IrisExpected.Load(1);
        var request = new ModelInferRequest { ModelName = "iris", ModelVersion = "1" }
            .AddInput("input", expected.Inputs, [expected.Rows, 4])
            .RequestTypedOutputs();

        var response = (await Server.Client.ModelInferAsync(request)).Message;

        Assert.Empty(response.RawOutputContents);
        Assert.Equal(expected.Labels, response.Outputs.Single(o => o.Name == "label").Contents.Int64Contents);
        AssertClose(expected.Probabilities, response.Outputs.Single(o => o.Name == "probabilities").Contents.Fp32Contents.ToArray());
        Assert.Equal(expected.Labels, response.GetOutput<long>("label").Data);
    }

    [Fact]
    public async Task ModelInfer_RequestedOutputs_ReturnsOnlyThoseInOrder()
    {
        var expected = IrisExpected.Load(1);
        var request = new ModelInferRequest { ModelName = "iris" }
            .AddInput("input", expected.Inputs, [expected.Rows, 4])
            .RequestOutputs("label");

        var response = (await Server.Client.ModelInferAsync(request)).Message;

        var output = Assert.Single(response.Outputs);
        Assert.Equal("label", output.Name);
        Assert.Single(response.RawOutputContents);
        Assert.Equal(expected.Labels, response.GetOutput<long>("label").Data);
    }

    [Fact]
    public async Task ModelInfer_ZeroRows_ReturnsEmptyOutputs()
    {
        var request = new ModelInferRequest { ModelName = "iris" }.AddInput("input", Array.Empty<float>(), [0, 4]);

        var response = (await Server.Client.ModelInferAsync(request)).Message;

        Assert.Equal([0L, 3L], response.GetOutput<float>("probabilities").Shape);
        Assert.Empty(response.GetOutput<long>("label").Data);
    }

    [Fact]
    public async Task Call_WithDeadlineAndHeaders_Succeeds()
    {
        var response = await Server.Client.ModelReadyAsync("iris", "1", OipTestClient.With(new Metadata { { "x-user-id", "u-1" } }, TimeSpan.FromSeconds(30)));

        Assert.True(response.Message.Ready);
    }

    [Theory]
    [InlineData("ModelReady", "other", "")]
    [InlineData("ModelReady", "iris", "2")]
    [InlineData("ModelMetadata", "other", "")]
    [InlineData("ModelMetadata", "iris", "2")]
    [InlineData("ModelInfer", "other", "")]
    [InlineData("ModelInfer", "iris", "2")]
    public async Task OtherModelOrVersion_IsNotFound_AndStillTagged(string method, string name, string version)
    {
        Func<Task> call = method switch
        {
            "ModelReady" => () => Server.Client.ModelReadyAsync(name, version),
            "ModelMetadata" => () => Server.Client.ModelMetadataAsync(name, version),
            _ => () => Server.Client.ModelInferAsync(new ModelInferRequest { ModelName = name, ModelVersion = version }
                .AddInput("input", new float[4], [1, 4])),
        };

        var error = await Assert.ThrowsAsync<CallFailedException>(call);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains(version.Length > 0 ? $"version '{version}'" : $"model '{name}'", error.Status.Detail, StringComparison.Ordinal);
        var tags = error.Tags;
        Assert.Equal(("iris", "1"), (tags.ModelName, tags.ModelVersion));
        // Sent as initial metadata before the status (C-core clients read them there, python3-grpcio among them).
        Assert.Equal("iris", error.ResponseHeaders.GetValue("x-model-name"));
    }

    [Fact]
    public async Task UnknownMethod_IsUnimplemented()
    {
        // OIP's RepositoryIndex is not in our service: Grpc.AspNetCore answers an unknown method itself.
        var method = new Method<ServerLiveRequest, ServerLiveResponse>(
            MethodType.Unary, "inference.GRPCInferenceService", "RepositoryIndex", Marshallers.Create((ServerLiveRequest m) => m.ToByteArray(), ServerLiveRequest.Parser.ParseFrom),
            Marshallers.Create((ServerLiveResponse m) => m.ToByteArray(), ServerLiveResponse.Parser.ParseFrom));
        using var call = Server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), new ServerLiveRequest());

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal(("iris", "1"), (error.Trailers.GetValue("x-model-name"), error.Trailers.GetValue("x-model-version")));
    }

    internal static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
