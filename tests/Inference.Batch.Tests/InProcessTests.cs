using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>In-process scoring (--model) gives the model server's answers: the same output file, byte for byte.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class InProcessTests(IrisServer iris)
{
    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public async Task Iris_InProcess_EqualsTheModelServersAnswers(string format)
    {
        using var directory = new TempDirectory("batch-local");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 2000);
        var local = directory.File("local." + format);
        var remote = directory.File("remote." + format);

        await BatchRun.SucceedAsync(
            "--input", input, "--output", local, "--model", RepoPaths.IrisModel(1), "--name", "iris", "--version", "1",
            "--map", "input=sepal_length..petal_width", "--batch-size", "100");
        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, remote, "--batch-size", "100"));

        Assert.Equal(await File.ReadAllBytesAsync(remote), await File.ReadAllBytesAsync(local));
        // And both are the answers of direct ModelInfer calls.
        var (probabilities, labels) = await ServerEqualityTests.ServerAnswersAsync(iris.Target, input);
        var (gotProbabilities, gotLabels) = await ServerEqualityTests.ReadAnswersAsync(local, format);
        Assert.Equal(labels, gotLabels);
        Assert.Equal(ServerEqualityTests.Bits(probabilities), ServerEqualityTests.Bits(gotProbabilities));
    }

    /// <summary>Identity models of several element types: values in, the same values out, in-process as from the server.</summary>
    [Theory]
    [InlineData("float16", "1.5,-0.25,65504", "[1.5,-0.25,65504]")]
    [InlineData("bfloat16", "2.5,-256,1", "[2.5,-256,1]")]
    [InlineData("double", "0.1,-1E-300,1.7976931348623157E+308", "[0.1,-1E-300,1.7976931348623157E+308]")]
    [InlineData("int8", "-128,0,127", "[-128,0,127]")]
    [InlineData("uint64", "0,1,18446744073709551615", "[0,1,18446744073709551615]")]
    [InlineData("bool", "true,false,1", "[true,false,true]")]
    [InlineData("string", "héllo,\"with, comma\",\"\"", "[\"héllo\",\"with, comma\",\"\"]")]
    public async Task IdentityModel_InProcess_EqualsTheModelServer(string type, string values, string expected)
    {
        using var directory = new TempDirectory("batch-local");
        var model = RepoPaths.Fixture($"identity_{type}.onnx");
        await using var server = await ModelServerProcess.StartAsync(model, "identity", "1");
        var input = directory.File("in.csv");
        await File.WriteAllTextAsync(input, $"x_0,x_1,x_2\n{values}\n{values}\n");
        var local = directory.File("local.jsonl");
        var remote = directory.File("remote.jsonl");

        await BatchRun.SucceedAsync("--input", input, "--output", local, "--model", model, "--name", "identity", "--version", "1");
        await BatchRun.SucceedAsync("--input", input, "--output", remote, "--address", server.Target, "--name", "identity");

        Assert.Equal(await File.ReadAllTextAsync(remote), await File.ReadAllTextAsync(local));
        var rows = OutputFiles.JsonLines(local);
        Assert.Equal(2, rows.Count);
        // The identity returns what went in, as the datatype holds it.
        Assert.All(rows, r => Assert.Equal(expected, r.GetProperty("y").GetRawText()));
    }
}
