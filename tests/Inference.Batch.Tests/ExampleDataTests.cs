using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>The README's example: the iris data set scored by the built executable.</summary>
public sealed class ExampleDataTests
{
    private static string DataSet => RepoPaths.File("tests", "models", "datasets", "iris.csv");

    [Fact]
    public async Task ReadmeCommand_ScoresTheExampleDataSet_InProcess()
    {
        using var directory = new TempDirectory("batch-example");
        var output = directory.File("iris-scored.csv");

        var result = await ChildProcess.RunAsync(
            ChildProcess.DotnetHost,
            [
                BuiltExecutables.Batch, "--input", DataSet, "--output", output, "--model", RepoPaths.IrisModel(1),
                "--name", "iris", "--version", "1", "--map", "input=sepal_length..petal_width",
            ]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("done: 150 rows scored", result.Stdout);
        var rows = OutputFiles.CsvRaw(output);
        Assert.Equal(150, rows.Count);
        // The model was trained on these rows: its labels are the species nearly always (0 setosa, 1 versicolor, 2 virginica).
        var right = rows.Count(r => IrisRows.Species[int.Parse(r["label"], System.Globalization.CultureInfo.InvariantCulture)] == r["species"]);
        Assert.True(right >= 140, $"{right} of 150 labels are the species");
        Assert.All(rows, r => Assert.Equal("094dc2b1554f64cc23b2f2f47014de6a434e7415f7aefc789ade0e2aeaab8e9a", r["model_sha256"]));
    }

    [PeerFact(Peers.PythonModelTools)]
    public async Task ExampleDataSet_IsWhatItsGeneratorWrites()
    {
        Peers.Require(Peers.PythonModelTools);
        using var directory = new TempDirectory("batch-example");

        var result = await ChildProcess.RunAsync(Peers.PythonInterpreter, [RepoPaths.File("tests", "models", "make_iris_data.py"), directory.Path]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(DataSet), await File.ReadAllBytesAsync(Path.Combine(directory.Path, "datasets", "iris.csv")));
    }
}
