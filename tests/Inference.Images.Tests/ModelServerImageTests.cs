using Inference.Images.Tests.Infrastructure;

namespace Inference.Images.Tests;

/// <summary>
/// The model server image alone, started as the chart starts a version whose model is on a volume (its
/// Deployment's flags, the volume at /models), called from outside with python3-grpcio and over HTTP.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class ModelServerImageTests(BuiltImages images)
{
    [ImageFact]
    public async Task ModelServerImage_Python3Grpcio_AnswersEveryOipAndHealthCase()
    {
        ImagePeers.Require();
        var server = await images.ModelServerAsync();

        var result = await PythonClients.ModelServerCasesAsync(server.GrpcAddress);

        Assert.True(result.ExitCode == 0, $"oip_client.py against the image: {result}\nserver log:\n{server.Container.Process.Output}");
        foreach (var passed in new[] { "server_metadata", "model_metadata", "infer_raw", "infer_typed", "health_check", "health_watch", "invalid_shape" })
        {
            Assert.Contains($"PASS {passed}", result.Stdout, StringComparison.Ordinal);
        }
    }

    [ImageFact]
    public async Task ModelServerImage_HttpPort_AnswersTheProbesAndMetrics()
    {
        ImagePeers.Require();
        var server = await images.ModelServerAsync();
        using var http = new HttpClient { BaseAddress = server.Http, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        var scrape = await PrometheusScrape.GetAsync(http, new Uri("/metrics", UriKind.Relative));
        Assert.True(scrape.HasFamily("inference_request_duration_seconds"), scrape.Text);
    }

    [ImageFact]
    public async Task ModelServerImage_Process_RunsAsUid10001WithOnnxRuntimeFromTheImage()
    {
        ImagePeers.Require();
        var server = await images.ModelServerAsync();
        var pid = server.Container.Pid;

        ProcessAssert.RunsAsTheChartsUser(pid);
        // The native library the process mapped is the image's own (in /app), for the image's architecture.
        var root = ProcessAssert.Root(pid);
        var library = Assert.Single(ProcFs.MappedFiles(pid), f => Path.GetFileName(f).StartsWith("libonnxruntime.so", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(root, "app", "libonnxruntime.so"), library);
        Assert.Equal(server.Container.Config.Architecture, ElfMachine.Architecture(ProcessAssert.FileInRoot(pid, "app", "libonnxruntime.so")));
    }
}
