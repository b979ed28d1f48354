using Grpc.Core;
using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>
/// Names, versions and tensor names a client sends come back in status messages escaped and cut to 256 characters:
/// an 8 KiB model name still gets NOT_FOUND (the whole name would outgrow clients' header limits), and control
/// characters cannot forge lines.
/// </summary>
public sealed class ClientTextEchoTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private static readonly string LongName = new('m', 8192);

    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("ModelReady")]
    [InlineData("ModelMetadata")]
    [InlineData("ModelInfer")]
    public async Task An8KiBModelName_IsNotFound_WithTheNameCut(string method)
    {
        var error = await Assert.ThrowsAsync<CallFailedException>(() => CallAsync(method, LongName, ""));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(
            $"model '{new string('m', 256)}… (8192 characters)' is not served here; this server serves model 'iris' version '1'",
            error.Status.Detail);
        Assert.Equal(("iris", "1"), (error.Tags.ModelName, error.Tags.ModelVersion));
    }

    [Fact]
    public async Task An8KiBVersion_IsNotFound_WithTheVersionCut()
    {
        var error = await Assert.ThrowsAsync<CallFailedException>(() => CallAsync("ModelInfer", "iris", LongName));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(
            $"model 'iris' version '{new string('m', 256)}… (8192 characters)' is not served here; this server serves version '1'",
            error.Status.Detail);
    }

    [Theory]
    [InlineData("ModelReady")]
    [InlineData("ModelInfer")]
    public async Task ControlAndNonAsciiCharacters_InAName_AreEscaped(string method)
    {
        var error = await Assert.ThrowsAsync<CallFailedException>(() => CallAsync(method, "é中\r\nfake: line\0\u001b[2J", ""));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith(@"model 'é中\r\nfake: line\0\u001b[2J' is not served here", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALongUnknownInputName_IsInvalidArgument_WithTheNameCutAndEscaped()
    {
        var request = new ModelInferRequest { ModelName = "iris" }.AddInput<float>("x\n" + LongName, [1f, 2f, 3f, 4f], [1, 4]);

        var error = await Assert.ThrowsAsync<CallFailedException>(() => Server.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith($@"unknown input 'x\n{new string('m', 253)}… (8194 characters)'; model 'iris' has inputs: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALongUnknownDatatypeAndOutputName_AreCut()
    {
        var datatype = new ModelInferRequest { ModelName = "iris" };
        datatype.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = LongName, Shape = { 1, 4 } });
        var output = new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [1f, 2f, 3f, 4f], [1, 4]).RequestOutputs(LongName);

        var datatypeError = await Assert.ThrowsAsync<CallFailedException>(() => Server.Client.ModelInferAsync(datatype));
        var outputError = await Assert.ThrowsAsync<CallFailedException>(() => Server.Client.ModelInferAsync(output));

        Assert.Equal($"input 'input' has unknown datatype '{new string('m', 256)}… (8192 characters)'; the model expects FP32", datatypeError.Status.Detail);
        Assert.StartsWith($"unknown requested output '{new string('m', 256)}… (8192 characters)'", outputError.Status.Detail, StringComparison.Ordinal);
    }

    private Task CallAsync(string method, string name, string version) => method switch
    {
        "ModelReady" => Server.Client.ModelReadyAsync(name, version),
        "ModelMetadata" => Server.Client.ModelMetadataAsync(name, version),
        _ => Server.Client.ModelInferAsync(new ModelInferRequest { ModelName = name, ModelVersion = version }
            .AddInput("input", new float[4], [1, 4])),
    };
}
