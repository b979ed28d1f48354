using Inference.Batch.Cli;
using Inference.Batch.Jobs;
using Inference.Batch.Tables;
using Inference.Batch.Tests.Support;

namespace Inference.Batch.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_FullCommandLine_SetsEveryOption()
    {
        var options = CommandLine.Parse(
        [
            "--input", "in.csv", "--output=out.parquet", "--address", "router:8080", "--name", "iris", "--version", "2",
            "--output-format", "parquet", "--map", "input=a+b+c+d,other=x..y", "--batch-size", "64", "--chunk-rows", "1000",
            "--shard", "2/5", "--max-errors", "10", "--checkpoint", "ck.json", "--errors", "bad.jsonl", "--concurrency", "8",
            "--timeout", "2.5", "--retries", "3", "--output-prefix", "v2_",
        ])!;

        Assert.Equal("in.csv", options.Input);
        Assert.Equal("out.parquet", options.Output);
        Assert.Equal("router:8080", options.Address);
        Assert.Equal(("iris", "2"), (options.Name, options.Version));
        Assert.Equal(TableFormat.Parquet, options.OutputFormat);
        Assert.Null(options.Format);
        Assert.Equal(["input=a+b+c+d", "other=x..y"], options.Map.Select(m => m.ToString()));
        Assert.True(options.Map[1].IsRange);
        Assert.Equal((64, 1000), (options.BatchSize, options.ChunkRows));
        Assert.Equal(new Shard(2, 5), options.Shard);
        Assert.Equal(10, options.MaxErrors);
        Assert.Equal(("ck.json", "bad.jsonl"), (options.CheckpointPath, options.ErrorsPath));
        Assert.Equal(8, options.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Timeout);
        Assert.Equal(3, options.Attempts);
        Assert.Equal("v2_", options.OutputPrefix);
    }

    [Fact]
    public void Parse_Defaults_CheckpointAndErrorFileBesideTheOutput()
    {
        var options = CommandLine.Parse(["--input", "in.csv", "--output", "out.csv", "--model", "m.onnx"])!;

        Assert.Equal("out.csv.checkpoint", options.CheckpointPath);
        Assert.Equal("out.csv.errors.jsonl", options.ErrorsPath);
        Assert.Equal(0, options.MaxErrors);
        Assert.True(options.Shard.IsWhole);
        Assert.Equal(1024, options.BatchSize);
    }

    [Theory]
    [InlineData("--output out.csv --model m.onnx", "--input is required")]
    [InlineData("--input in.csv --output out.csv", "either --model")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --address a:1 --name n", "either --model")]
    [InlineData("--input in.csv --output out.csv --address a:1", "--address needs --name")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --shard 3/3", "--shard takes i/n")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --shard x", "--shard takes i/n")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --batch-size 0", "--batch-size takes a whole number")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --format xls", "--format takes csv, jsonl or parquet")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --map input", "--map takes")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --map a=x,a=y", "maps input 'a' twice")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --bogus 1", "unknown option '--bogus'")]
    [InlineData("--input in.csv --output in.csv --model m.onnx", "must not be the input")]
    [InlineData("--input in.csv --output out.csv --model m.onnx --input x.csv", "--input is given twice")]
    public async Task Run_CommandLineMistake_ExitsTwoWithTheReasonAndUsage(string arguments, string reason)
    {
        var result = await BatchRun.RunAsync(arguments.Split(' '));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(reason, result.Stderr);
        Assert.Contains("Usage: inference-batch", result.Stderr);
    }

    [Fact]
    public async Task Run_Help_PrintsUsageAndExitsZero()
    {
        var result = await BatchRun.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("--shard <i>/<n>", result.Stdout);
    }
}
