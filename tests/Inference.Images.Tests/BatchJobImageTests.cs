using System.Security.Cryptography;
using Inference.Images.Tests.Infrastructure;

namespace Inference.Images.Tests;

/// <summary>
/// The chart's batch scoring Job in the image it runs: the model image iris:1 (engine local, the model the
/// image carries), the Job's command (inference-batch, which the model server image carries beside the
/// server) and flags, its input and output volumes; each completion index run in turn, as an Indexed Job's pods.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class BatchJobImageTests(BuiltImages images)
{
    private const int Shards = 2;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    [ImageFact]
    public async Task BatchJob_Shards_ScoreEveryRowInTheModelImageAs10001()
    {
        ImagePeers.Require();
        using var output = new TempDirectory("batch-output");
        // Writable for the Job's user, as fsGroup makes a volume in Kubernetes.
        File.SetUnixFileMode(output.Path, (UnixFileMode)0b111_111_111);
        var release = await ChartRelease.RenderAsync($$$"""
            models:
              iris:
                experiment: {name: iris-one-version, control: control, groups: [{name: control, version: "1", weight: 100}]}
                versions:
                  "1":
                    artifact:
                      image: {registry: {{{images.Registry}}}, repository: inference/iris, tag: "1"}
            batch:
              enabled: true
              model: iris
              version: "1"
              engine: local
              completions: {{{Shards}}}
              parallelism: 1
              input: iris.csv
              output: scored-{index}.csv
              volumes:
                input: {hostPath: {path: {{{RepoPaths.File("tests", "models", "datasets")}}}, type: Directory}}
                output: {hostPath: {path: {{{output.Path}}}, type: Directory}}
              extraArgs: [--map, "input=sepal_length..petal_width"]
            """);
        var job = release.Container("Job", $"{ChartRelease.Release}-inference-batch-scoring", "batch");
        Assert.Equal(images.Image("iris-1"), job.Image);

        for (var index = 0; index < Shards; index++)
        {
            // What the kubelet does with the Job's $(JOB_COMPLETION_INDEX) for the pod of this index.
            var args = job.Args.Select(a => a.Replace("$(JOB_COMPLETION_INDEX)", $"{index}", StringComparison.Ordinal)).ToList();
            await using var pod = await ImageContainer.StartAsync($"batch-{index}", release, job, args);
            var exitCode = await pod.Process.WaitForExitAsync(JobTimeout);
            Assert.True(exitCode == 0, $"inference-batch shard {index} exited {exitCode}:\n{pod.Process.Output}");
        }

        var inputRows = File.ReadLines(Path.Combine(RepoPaths.File("tests", "models", "datasets"), "iris.csv")).Skip(1).Count();
        var modelSha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(RepoPaths.IrisModel(1))));
        var scored = 0;
        for (var index = 0; index < Shards; index++)
        {
            var file = output.File($"scored-{index}.csv");
            var lines = await File.ReadAllLinesAsync(file);
            var header = lines[0].Split(',').ToList();
            // A shard may be empty (inference-batch cuts CSV input in chunks); together they hold every row.
            var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
            Assert.All(rows, row => Assert.Equal(
                ("iris", "1", modelSha256),
                (row[header.IndexOf("model_name")], row[header.IndexOf("model_version")], row[header.IndexOf("model_sha256")])));
            Assert.All(rows, row => Assert.Contains(row[header.IndexOf("label")], new[] { "0", "1", "2" }));
            // Written by the Job's process: the image's user.
            var owner = await ChildProcess.RunAsync("stat", ["-c", "%u", file]);
            Assert.Equal($"{ProcessAssert.ChartUser}", owner.Stdout.Trim());
            scored += rows.Count;
        }

        Assert.Equal(inputRows, scored);
    }
}
