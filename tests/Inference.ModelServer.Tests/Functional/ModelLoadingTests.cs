using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.ModelServer.Hosting;
using Inference.Engine.Model;
using Microsoft.ML.OnnxRuntime;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>What the server loads, from where, with which options, and which models it refuses.</summary>
public sealed partial class ModelLoadingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ModelFile_IsReadOnce_SoTheHashDescribesTheBytesLoaded()
    {
        // A named pipe yields its bytes to one reader only: a server that opened the path again to load it
        // would block on a pipe with no writer (or load something else), instead of what it hashed.
        var directory = Directory.CreateTempSubdirectory("model-pipe-");
        var pipe = Path.Combine(directory.FullName, "model.onnx");
        Assert.Equal(0, MakeFifo(pipe, Convert.ToUInt32("600", 8)));
        var bytes = await File.ReadAllBytesAsync(RepoPaths.IrisModel(2));
        var writer = Task.Run(async () =>
        {
            await using var stream = new FileStream(pipe, FileMode.Open, FileAccess.Write);
            await stream.WriteAsync(bytes);
        });
        var build = Task.Run(() => ModelServerHost.Build(TestServer.Options(pipe, "iris", "2")));
        try
        {
            var host = await build.WaitAsync(Timeout);
            await using (host)
            {
                await writer.WaitAsync(Timeout);
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), host.Model.Sha256);
                Assert.Equal(2, host.Model.Session.ModelMetadata.Version);
            }
        }
        finally
        {
            // A failed test must not leave a thread blocked opening the pipe: give each stuck side its partner.
            if (!build.IsCompleted)
            {
                await using var release = new FileStream(pipe, FileMode.Open, FileAccess.Write);
            }

            if (!writer.IsCompleted)
            {
                await using var release = new FileStream(pipe, FileMode.Open, FileAccess.Read);
            }

            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ModelWithExternalData_IsServed_ItsDataReadFromTheModelsFolder()
    {
        await using var server = await TestServer.StartAsync(RepoPaths.Fixture("external_data.onnx"), "fixture");

        var response = await server.Client.ModelInferAsync(
            new ModelInferRequest { ModelName = "fixture" }.AddInput<float>("x", [1f, 2f, 3f], [1, 3]));

        // y = x + w, w = [0.5, -1, 2] from external_data.bin.
        Assert.Equal([1.5f, 1f, 5f], response.Message.GetOutput<float>("y").Data);
        using var readyz = JsonDocument.Parse(await server.Http.GetStringAsync("/readyz"));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(RepoPaths.Fixture("external_data.onnx")))),
            readyz.RootElement.GetProperty("sha256").GetString());
    }

    [Fact]
    public void SequenceOutput_OfZipMap_IsRefusedAtStartup_SayingHowToExportTheModel()
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            ModelServerHost.Build(TestServer.Options(RepoPaths.Fixture("zipmap_output.onnx"), "classifier")));

        Assert.Contains("Model output 'output_probability' is a sequence, not a tensor", error.Message, StringComparison.Ordinal);
        Assert.Contains("Open Inference Protocol carries tensors only", error.Message, StringComparison.Ordinal);
        Assert.Contains("ZipMap disabled", error.Message, StringComparison.Ordinal);
        Assert.Contains("{'zipmap': False}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnavailableExecutionProvider_IsRefusedAtStartup_NamingIt()
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            ModelServerHost.Build(TestServer.Options(RepoPaths.IrisModel(1)) with { ExecutionProvider = "NoSuchProvider" }));

        Assert.Contains("Execution provider 'NoSuchProvider' is not available", error.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionOptions_FollowTheCommandLine()
    {
        var options = TestServer.Options(RepoPaths.IrisModel(1)) with
        {
            IntraOpThreads = 2,
            InterOpThreads = 3,
            OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
            ExecutionMode = ExecutionMode.ORT_PARALLEL,
            ExecutionProvider = "cpu",
        };
        await using var server = await TestServer.StartAsync(options);

        // The session options ONNX Runtime was given (the session keeps no copy to read back).
        using var session = InferenceModel.CreateSessionOptions(server.Host.Model.Options, Path.GetDirectoryName(server.Host.Model.Path));
        Assert.Equal(
            (2, 3, GraphOptimizationLevel.ORT_ENABLE_BASIC, ExecutionMode.ORT_PARALLEL, "cpu"),
            (session.IntraOpNumThreads, session.InterOpNumThreads, session.GraphOptimizationLevel, session.ExecutionMode, server.Host.Model.Options.ExecutionProvider));
        var response = await server.Client.ModelInferAsync(
            new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4]));
        Assert.Equal([0L], response.Message.GetOutput<long>("label").Data);
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
