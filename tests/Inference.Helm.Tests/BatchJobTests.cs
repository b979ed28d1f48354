using System.Text.Json.Nodes;
using Inference.Helm.Tests.Support;

namespace Inference.Helm.Tests;

/// <summary>The optional batch scoring Job: an Indexed Job running inference-batch, one shard per completion index.</summary>
public sealed class BatchJobTests
{
    private const string Iris = """
        models:
          iris:
            versions:
              "1": {artifact: {image: {repository: r/iris, tag: "1"}}}
              "2": {artifact: {volume: {persistentVolumeClaim: {claimName: models, readOnly: true}}, subPath: iris/2}}
              "3": {artifact: {download: {url: "https://x/m.onnx", sha256: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}
            experiment:
              name: rollout
              control: a
              groups: [{name: a, version: "1", weight: 1}, {name: b, version: "2", weight: 1}, {name: c, version: "3", weight: 1}]

        """;

    private const string Volumes = "volumes: {input: {persistentVolumeClaim: {claimName: in}}, output: {persistentVolumeClaim: {claimName: out}}}";

    [PeerFact(Peers.GoRenderer)]
    public async Task BatchJob_DefaultValues_RenderNoJob()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris);

        Assert.Empty(chart.OfKind("Job"));
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task BatchJob_Remote_IsIndexedAndScoresItsShardThroughTheRouterWithTheVersionPinned()
    {
        var chart = await ChartRenderer.RenderAsync(Path.Combine(RepoPaths.ChartCiFolder, "batch-job.yaml"));

        var job = Assert.Single(chart.OfKind("Job"));
        Assert.Equal("prod-inference-batch-nightly", job.Name);
        Assert.Equal("Indexed", job.Spec["completionMode"]!.GetValue<string>());
        Assert.Equal(8, job.Spec["completions"]!.GetValue<double>());
        Assert.Equal(3, job.Spec["parallelism"]!.GetValue<double>());
        var pod = job.Spec["template"]!["spec"]!.AsObject();
        Assert.Equal("Never", pod["restartPolicy"]!.GetValue<string>());
        var container = pod["containers"]!.AsArray().Single()!.AsObject();
        // The model server image carries the tool.
        Assert.StartsWith("inference/modelserver:", container["image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["dotnet", "/app/batch/inference-batch.dll"], Strings(container["command"]));
        Assert.Equal(
            [
                "--input", "/data/input/nightly/iris.csv",
                "--output", "/data/output/nightly/scored-$(JOB_COMPLETION_INDEX).parquet",
                "--address", "prod-inference-router.ml.svc.cluster.local:8080",
                "--name", "iris", "--version", "1",
                "--shard", "$(JOB_COMPLETION_INDEX)/8",
                "--map", "input=sepal_length..petal_width", "--max-errors", "100",
            ],
            Strings(container["args"]));
        var index = container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "JOB_COMPLETION_INDEX")!;
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", index["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => m!["name"]!.GetValue<string>(), m => m!.AsObject());
        Assert.Equal("/data/input", mounts["input"]["mountPath"]!.GetValue<string>());
        Assert.True(mounts["input"]["readOnly"]!.GetValue<bool>());
        Assert.Equal("/data/output", mounts["output"]["mountPath"]!.GetValue<string>());
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!.AsObject());
        Assert.Equal("batch-data", volumes["output"]["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
        Assert.Equal(chart.Values["securityContext"]!.ToJsonString(), container["securityContext"]!.ToJsonString());
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task BatchJob_RemoteWithoutGatewayRouter_CallsTheVersionsHeadlessService()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris + $"router: {{mode: sidecar}}\nbatch: {{enabled: true, model: iris, version: \"2\", {Volumes}}}\n");

        var args = Strings(Container(chart)["args"]);
        Assert.Equal("prod-inference-iris-v2.ml.svc.cluster.local:8001", args[args.IndexOf("--address") + 1]);
        Assert.Equal("2", args[args.IndexOf("--version") + 1]);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task BatchJob_LocalWithImageArtifact_RunsInTheModelsImage()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris + $"batch: {{enabled: true, engine: local, model: iris, version: \"1\", {Volumes}}}\n");

        var container = Container(chart);
        Assert.Equal("r/iris:1", container["image"]!.GetValue<string>());
        var args = Strings(container["args"]);
        Assert.Equal("/models/model.onnx", args[args.IndexOf("--model") + 1]);
        Assert.DoesNotContain("--address", args);
    }

    [PeerFact(Peers.GoRenderer)]
    public async Task BatchJob_LocalWithVolumeArtifact_MountsTheModelReadOnly()
    {
        var chart = await ChartRenderer.RenderYamlAsync(Iris + $"batch: {{enabled: true, engine: local, model: iris, version: \"2\", {Volumes}}}\n");

        var container = Container(chart);
        var model = container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "model")!;
        Assert.Equal(("/models", true, "iris/2"), (model["mountPath"]!.GetValue<string>(), model["readOnly"]!.GetValue<bool>(), model["subPath"]!.GetValue<string>()));
        var volume = Job(chart)["template"]!["spec"]!["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "model")!;
        Assert.Equal("models", volume["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
    }

    public static TheoryData<string, string> Mistakes => new()
    {
        { $"batch: {{enabled: true, model: rose, version: \"1\", {Volumes}}}", "batch.model \"rose\" is not one of models (iris)" },
        { $"batch: {{enabled: true, model: iris, version: \"9\", {Volumes}}}", "batch.version \"9\" is not a version of model \"iris\" (1, 2, 3)" },
        { $"batch: {{enabled: true, engine: local, model: iris, version: \"3\", {Volumes}}}", "version 3 of iris is downloaded: use batch.engine remote" },
        { $"batch: {{enabled: true, model: iris, version: \"1\", output: out.csv, {Volumes}}}", "batch.output: \"out.csv\" does not match pattern" },
        { "batch: {enabled: true, model: iris, version: \"1\"}", "batch.volumes.input: must have at least 1 properties" },
        { $"batch: {{enabled: true, model: iris, version: \"1\", engine: gpu, {Volumes}}}", "batch.engine: must be one of [\"remote\",\"local\"]" },
        { $"batch: {{enabled: true, model: iris, version: \"1\", completions: 0, {Volumes}}}", "batch.completions: must be >= 1" },
    };

    [PeerTheory(Peers.GoRenderer)]
    [MemberData(nameof(Mistakes))]
    public async Task BatchJob_MistakenValues_AreRefusedWithTheReason(string yaml, string reason)
    {
        var error = await Assert.ThrowsAsync<RenderFailedException>(() => ChartRenderer.RenderYamlAsync(Iris + yaml + "\n"));

        Assert.Contains(reason, error.Message);
    }

    private static JsonObject Job(RenderedChart chart) => chart.OfKind("Job").Single().Spec;

    private static JsonObject Container(RenderedChart chart) => Job(chart)["template"]!["spec"]!["containers"]!.AsArray().Single()!.AsObject();

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(a => a!.GetValue<string>()).ToList();
}
