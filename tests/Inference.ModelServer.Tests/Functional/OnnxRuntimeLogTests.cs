using Google.Protobuf;
using Inference.Contracts.Oip;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using InputTensor = Inference.Contracts.Oip.ModelInferRequest.Types.InferInputTensor;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>ONNX Runtime's own log lines join the server's log (one sink per process, so this runs alone).</summary>
[CollectionDefinition(nameof(OnnxRuntimeLogTests), DisableParallelization = true)]
public sealed class OnnxRuntimeLogCollection;

[Collection(nameof(OnnxRuntimeLogTests))]
public sealed class OnnxRuntimeLogTests
{
    [Fact]
    public async Task NodeFailureInsideARun_IsLoggedByTheServer_AsAnOnnxRuntimeError()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(TestServer.Options(RepoPaths.Fixture("add_two.onnx"), "fixture"), logs);
        var request = new ModelInferRequest { ModelName = "fixture" };
        request.Inputs.Add(new InputTensor { Name = "a", Datatype = "FP32", Shape = { 2, 3 } });
        request.Inputs.Add(new InputTensor { Name = "b", Datatype = "FP32", Shape = { 4, 5 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[2 * 3 * 4]));
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[4 * 5 * 4]));

        var error = await Assert.ThrowsAsync<CallFailedException>(() => server.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains(logs.Entries, entry =>
            entry.Category == "Inference.Engine.OnnxRuntime"
            && entry.Level == LogLevel.Error
            && entry.Message.StartsWith("onnxruntime [", StringComparison.Ordinal)
            && entry.Message.Contains("Add", StringComparison.Ordinal));
    }
}
