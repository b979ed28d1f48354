using Inference.Batch.Cli;
using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>Rows that cannot be scored go to the error file with their number and reason, up to --max-errors.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class BadRowTests(IrisServer iris)
{
    private const string MalformedCsv =
        "sepal_length,sepal_width,petal_length,petal_width,species\n"
        + "5.1,3.5,1.4,0.2,setosa\n"
        + "5.1,abc,1.4,0.2,setosa\n"        // row 2: not a number
        + "5.1,3.5,1.4\n"                  // row 3: too few fields
        + "6.0,\"2.2\",4.0,1.0,\"multi\nline\"\n" // row 4: fine (quoted number, a field over two lines)
        + "1e400,3.0,1.0,0.5,x\n"           // row 5: out of range for FP32 reads as Infinity: scored, not refused
        + "5.0,3.0,,0.2,x\n"               // row 6: missing
        + "5.0,3.0,1.1,0.2,x,extra\n";     // row 7: too many fields

    [Fact]
    public async Task MalformedCsvRows_GoToTheErrorFile_WithRowLineAndReason()
    {
        using var directory = new TempDirectory("batch-bad");
        var input = directory.File("in.csv");
        await File.WriteAllTextAsync(input, MalformedCsv);
        var output = directory.File("out.csv");

        var result = await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, output, "--max-errors", "4", "--batch-size", "2"));

        Assert.Contains("3 rows scored, 4 bad", result.Stdout);
        var errors = OutputFiles.JsonLines(output + ".errors.jsonl");
        Assert.Equal([2L, 3, 6, 7], errors.Select(e => e.GetProperty("row").GetInt64()));
        Assert.Equal([3L, 4, 8, 9], errors.Select(e => e.GetProperty("line").GetInt64()));
        Assert.Equal(
            [
                "column 'sepal_width': 'abc' is not a number (input 'input' is FP32)",
                "the row has 3 fields, the header 5",
                "column 'petal_length' (input 'input') is missing",
                "the row has 6 fields, the header 5",
            ],
            errors.Select(e => e.GetProperty("reason").GetString()));
        var rows = OutputFiles.CsvRaw(output);
        Assert.Equal(["5.1", "6.0", "1e400"], rows.Select(r => r["sepal_length"]));
        Assert.Equal("\"multi\nline\"", rows[1]["species"]);
    }

    [Fact]
    public async Task MoreBadRowsThanAllowed_FailsWithExitThreeAndTheRow()
    {
        using var directory = new TempDirectory("batch-bad");
        var input = directory.File("in.csv");
        await File.WriteAllTextAsync(input, MalformedCsv);
        var output = directory.File("out.csv");

        var result = await BatchRun.RunAsync(BatchRun.Iris(iris.Target, input, output, "--max-errors", "2"));

        Assert.Equal(ExitCodes.TooManyBadRows, result.ExitCode);
        Assert.Contains("row 6: column 'petal_length' (input 'input') is missing — 3 bad rows, more than --max-errors 2", result.Stderr);
        Assert.Equal(3, OutputFiles.JsonLines(output + ".errors.jsonl").Count);
    }

    [Fact]
    public async Task MalformedJsonLines_AreRowErrors()
    {
        using var directory = new TempDirectory("batch-bad");
        var input = directory.File("in.jsonl");
        await File.WriteAllTextAsync(input, """
            {"input":[5.1,3.5,1.4,0.2],"id":1}

            {"input":[5.1,3.5,1.4],"id":2}
            {"input":[5.1,3.5,1.4,0.2],"id":3
            [1,2,3]
            {"input":"5.1","id":5}
            {"input":[5.1,null,1.4,0.2],"id":6}
            {"input":[[5.1,3.5],[1.4,0.2]],"id":7}
            """);
        var output = directory.File("out.jsonl");

        await BatchRun.SucceedAsync("--input", input, "--output", output, "--address", iris.Target, "--name", "iris", "--max-errors", "10");

        var errors = OutputFiles.JsonLines(output + ".errors.jsonl");
        Assert.Equal([2L, 3, 4, 5, 6], errors.Select(e => e.GetProperty("row").GetInt64()));
        Assert.Equal([3L, 4, 5, 6, 7], errors.Select(e => e.GetProperty("line").GetInt64()));
        var reasons = errors.Select(e => e.GetProperty("reason").GetString()!).ToList();
        Assert.Contains("needs 4 values per row, the row has 3", reasons[0]);
        Assert.Contains("not valid JSON", reasons[1]);
        Assert.Equal("the line is not a JSON object", reasons[2]);
        Assert.Contains("a JSON array", reasons[3]);
        Assert.Contains("null element", reasons[4]);
        // Nested arrays are flattened in order: row 7 is scored.
        Assert.Equal([1L, 7], OutputFiles.JsonLines(output).Select(r => r.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task RowsTheModelRefuses_AreFoundOneByOne_OthersScored()
    {
        using var directory = new TempDirectory("batch-bad");
        await using var gather = await ModelServerProcess.StartAsync(RepoPaths.Fixture("gather_input.onnx"), "gather", "1");
        var input = directory.File("in.csv");
        // The model looks indices up in a table of three values: 7 and -9 are out of range, which only ONNX Runtime finds.
        await File.WriteAllTextAsync(input, "i\n0\n1\n7\n2\n-9\n1\n");
        var output = directory.File("out.csv");

        var result = await BatchRun.SucceedAsync("--input", input, "--output", output, "--address", gather.Target, "--name", "gather", "--max-errors", "2");

        Assert.Contains("4 rows scored, 2 bad", result.Stdout);
        Assert.Equal(["10", "20", "30", "20"], OutputFiles.CsvRaw(output).Select(r => r["y"]));
        var errors = OutputFiles.JsonLines(output + ".errors.jsonl");
        Assert.Equal([3L, 5], errors.Select(e => e.GetProperty("row").GetInt64()));
        Assert.All(errors, e => Assert.StartsWith("the model refused the row: ", e.GetProperty("reason").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileLackingTheModelsInputs_FailsBeforeAnyScoring()
    {
        using var directory = new TempDirectory("batch-bad");
        var input = directory.File("in.csv");
        await File.WriteAllTextAsync(input, "a,b\n1,2\n");
        var output = directory.File("out.csv");
        var before = (await iris.Server.ScrapeAsync()).Sum("inference_requests_total", ("method", "ModelInfer"));

        var result = await BatchRun.RunAsync("--input", input, "--output", output, "--address", iris.Target, "--name", "iris");

        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Contains("error: the file has no column for model input input (FP32 [-1,4])", result.Stderr);
        Assert.False(File.Exists(output), "no output before the file fits the model");
        Assert.Equal(before, (await iris.Server.ScrapeAsync()).Sum("inference_requests_total", ("method", "ModelInfer")));
    }
}
