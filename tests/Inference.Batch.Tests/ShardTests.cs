using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>--shard i/n: contiguous parts that, put together in order, are the whole.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class ShardTests(IrisServer iris)
{
    [Theory]
    [InlineData("csv", 3)]
    [InlineData("jsonl", 4)]
    public async Task TextInput_ShardOutputsConcatenated_AreTheWholeOutput(string format, int shards)
    {
        using var directory = new TempDirectory("batch-shards");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 1000);
        if (format == "jsonl")
        {
            await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, directory.File("in.jsonl"), "--output-prefix", "first_"));
            input = directory.File("in.jsonl");
        }

        var whole = directory.File("whole." + format);
        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, whole, "--chunk-rows", "64", "--batch-size", "16"));

        var parts = new List<string>();
        for (var i = 0; i < shards; i++)
        {
            var part = directory.File($"part-{i}.{format}");
            await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, part, "--chunk-rows", "64", "--batch-size", "16", "--shard", $"{i}/{shards}"));
            parts.Add(part);
        }

        var lines = parts.SelectMany((p, i) => File.ReadAllLines(p).Skip(format == "csv" && i > 0 ? 1 : 0)).ToList();
        Assert.Equal(File.ReadAllLines(whole), lines);
        // Every shard did a share of the work (ranges are whole chunks: 16 chunks over the shards).
        Assert.All(parts, p => Assert.True(File.ReadAllLines(p).Length > 64, $"{p} is nearly empty"));
    }

    [Fact]
    public async Task ParquetInput_ShardsAreRowGroups_AndTogetherTheWhole()
    {
        using var directory = new TempDirectory("batch-shards");
        var csv = IrisRows.WriteCsv(directory.File("in.csv"), 1000);
        var input = directory.File("in.parquet");
        // Row groups of 100 rows.
        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, csv, input, "--chunk-rows", "100", "--output-prefix", "first_"));
        var whole = directory.File("whole.csv");
        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, whole));

        var lines = new List<string>();
        var sizes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var part = directory.File($"part-{i}.csv");
            await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, part, "--shard", $"{i}/4"));
            var partLines = File.ReadAllLines(part).Skip(1).ToList();
            sizes.Add(partLines.Count);
            lines.AddRange(i == 0 ? File.ReadAllLines(part) : partLines);
        }

        // 10 row groups of 100 rows over 4 shards: 2, 3, 2, 3 row groups.
        Assert.Equal([200, 300, 200, 300], sizes);
        Assert.Equal(File.ReadAllLines(whole), lines);
    }
}
