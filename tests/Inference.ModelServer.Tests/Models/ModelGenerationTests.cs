using System.Security.Cryptography;
using System.Text.Json;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.Engine.Execution;
using Inference.Engine.Model;

namespace Inference.ModelServer.Tests.Models;

/// <summary>
/// The committed models are what their generators write. The fixtures are built by hand from fixed values, so
/// make_fixtures.py must rewrite every file byte for byte, SHA256SUMS included. The iris models are trained, and the
/// training arithmetic (numpy's and BLAS's CPU-dispatched kernels) differs between CPUs: on another machine the MLP of
/// version 2 ends in a slightly different optimum, whose probabilities on the versicolor/virginica boundary move by
/// tenths. So make_iris.py must rewrite models that classify the same: the same tensors, and on the 150 rows of the
/// iris data set the same label on all but <see cref="LabelChangesAllowed"/> rows, an accuracy of at least
/// <see cref="MinimumAccuracy"/>, and probabilities that move by at most <see cref="MeanProbabilityTolerance"/> on average.
/// </summary>
public sealed class ModelGenerationTests
{
    private const int LabelChangesAllowed = 3;
    private const double MinimumAccuracy = 0.95;
    private const double MeanProbabilityTolerance = 0.03;

    private static readonly Dictionary<string, string?> CleanPython = new() { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null };

    [PeerFact(Peers.PythonModelTools)]
    public async Task FixtureGenerator_RewritesTheCommittedFixtures_ByteForByte()
    {
        Peers.Require(Peers.PythonModelTools);
        using var scratch = new TempDirectory("fixtures");

        await Generate("make_fixtures.py", scratch.Path);

        var committed = Path.Combine(RepoPaths.Models, "fixtures");
        Assert.Equal(Files(committed), Files(scratch.Path));
        foreach (var file in Files(committed))
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(committed, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(scratch.Path, file))),
                $"fixtures/{file} differs from what the generator writes");
        }

        AssertSumsMatch(committed);
    }

    [PeerFact(Peers.PythonModelTools)]
    public async Task IrisGenerator_RewritesModelsThatClassifyTheSame_OnTheWholeDataSet()
    {
        Peers.Require(Peers.PythonModelTools);
        using var scratch = new TempDirectory("iris");

        await Generate("make_iris.py", scratch.Path);

        var committed = Path.Combine(RepoPaths.Models, "iris");
        var generated = Path.Combine(scratch.Path, "iris");
        Assert.Equal(Files(committed), Files(generated));
        AssertSumsMatch(committed);
        var (rows, truth) = await IrisDataSetAsync();
        foreach (var version in new[] { 1, 2 })
        {
            var generatedModel = Path.Combine(generated, $"{version}", "model.onnx");
            var (committedLabels, committedProbabilities) = await PredictAsync(RepoPaths.IrisModel(version), rows);
            var (generatedLabels, generatedProbabilities) = await PredictAsync(generatedModel, rows);

            Assert.Equal(Describe(RepoPaths.IrisModel(version)), Describe(generatedModel));
            var changed = committedLabels.Zip(generatedLabels).Count(pair => pair.First != pair.Second);
            Assert.True(changed <= LabelChangesAllowed, $"iris {version}: {changed} of {truth.Length} labels differ");
            foreach (var labels in new[] { committedLabels, generatedLabels })
            {
                var accuracy = labels.Zip(truth).Count(pair => pair.First == pair.Second) / (double)truth.Length;
                Assert.True(accuracy >= MinimumAccuracy, $"iris {version}: accuracy {accuracy}");
            }

            var mean = committedProbabilities.Zip(generatedProbabilities, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(mean <= MeanProbabilityTolerance, $"iris {version}: probabilities differ by {mean} on average");
        }
    }

    private static async Task Generate(string script, string output)
    {
        var result = await ChildProcess.RunAsync(Peers.PythonInterpreter, [Path.Combine(RepoPaths.Models, script), output], CleanPython);
        Assert.True(result.ExitCode == 0, $"{script}: {result}");
    }

    /// <summary>The 150 rows of scikit-learn's iris data set: float32 features and the true classes.</summary>
    private static async Task<(float[] Rows, long[] Truth)> IrisDataSetAsync()
    {
        var result = await ChildProcess.RunAsync(
            Peers.PythonInterpreter,
            ["-c", "import json; from sklearn.datasets import load_iris; d = load_iris(); print(json.dumps([d.data.tolist(), d.target.tolist()]))"],
            CleanPython);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement[0].EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
        return (rows, json.RootElement[1].EnumerateArray().Select(v => v.GetInt64()).ToArray());
    }

    /// <summary>The model's tensors as ModelMetadata describes them.</summary>
    private static string Describe(string model)
    {
        using var loaded = InferenceModel.Load(model, "iris", "1");
        return loaded.Metadata.ToString();
    }

    /// <summary>Labels and probabilities of <paramref name="model"/> for every row, run by the engine the server uses.</summary>
    private static async Task<(long[] Labels, float[] Probabilities)> PredictAsync(string model, float[] rows)
    {
        using var loaded = InferenceModel.Load(model, "iris", "1");
        await using var engine = new InferenceEngine(loaded, new EngineOptions());
        var response = await engine.InferAsync(new ModelInferRequest { ModelName = "iris" }.AddInput<float>("input", rows, [rows.Length / 4, 4]));
        return (response.GetOutput<long>("label").Data, response.GetOutput<float>("probabilities").Data);
    }

    /// <summary>Relative paths of the files under <paramref name="directory"/>, sorted.</summary>
    private static string[] Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>SHA256SUMS lists every model file of the folder with its hash.</summary>
    private static void AssertSumsMatch(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "SHA256SUMS"));
        var listed = lines.Select(l => l.Split("  ", 2)).ToDictionary(p => p[1], p => p[0], StringComparer.Ordinal);
        var models = Files(directory).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal) || f.EndsWith(".bin", StringComparison.Ordinal));
        Assert.Equal(models.Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, hash) in listed)
        {
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory, file)))));
        }
    }
}
