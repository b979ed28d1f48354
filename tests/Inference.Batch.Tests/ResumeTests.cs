using System.Text.Json;
using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>
/// kill -9 in the middle of a chunk, then the same command again: the output is byte for byte the output of a run
/// that was never stopped. The kill lands while the tool waits on a held call, after one chunk is committed and
/// part of the next written, so the output holds rows past its checkpoint (and the test adds a torn row).
/// </summary>
[Collection(IrisServerCollection.Name)]
public sealed class ResumeTests(IrisServer iris)
{
    private const int Rows = 5000;

    [Theory]
    [InlineData("csv", "csv")]
    [InlineData("csv", "jsonl")]
    [InlineData("csv", "parquet")]
    [InlineData("jsonl", "csv")]
    [InlineData("parquet", "parquet")]
    public async Task KilledMidChunk_ResumesToTheOutputOfAnUninterruptedRun(string inputFormat, string outputFormat)
    {
        using var directory = new TempDirectory("batch-resume");
        var input = await InputAsync(directory, inputFormat);
        await using var proxy = await ScriptedInferenceServer.StartAsync(iris.Target);
        // Chunks of 2000 rows (a Parquet input commits per row group: 1000 rows); Runs of 50, one at a time.
        string[] Arguments(string output) => BatchRun.Iris(proxy.Target, input, output, "--batch-size", "50", "--chunk-rows", "2000", "--concurrency", "1");

        var expected = directory.File("expected." + outputFormat);
        await BatchRun.SucceedAsync(Arguments(expected));
        var calls = proxy.InferCalls;

        // Second run: every call after the 70th (3500 rows) waits.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.BeforeInfer = n =>
        {
            if (n - calls <= 70)
            {
                return Task.CompletedTask;
            }

            holding.TrySetResult();
            return held.Task;
        };
        var output = directory.File("out." + outputFormat);
        var checkpoint = output + ".checkpoint";
        await using (var batch = BatchRun.Start(Arguments(output)))
        {
            await holding.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await Wait.UntilAsync(() => CommittedRows(checkpoint) >= 2000 && WroteBeyondCheckpoint(output, checkpoint, outputFormat), "a committed chunk and rows written past it");
            batch.Signal(Signals.Kill);
            await batch.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(File.Exists(checkpoint), "the checkpoint survives the kill");
        TearTheUncommittedTail(output, outputFormat);
        proxy.BeforeInfer = _ => Task.CompletedTask;

        var resumed = await BatchRun.SucceedAsync(Arguments(output));

        Assert.Contains("resuming from", resumed.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(expected), await File.ReadAllBytesAsync(output));
        Assert.False(File.Exists(checkpoint), "a completed job removes its checkpoint");
        Assert.False(Directory.Exists(output + ".parts"), "a completed Parquet output removes its parts");
    }

    [Fact]
    public async Task Sigterm_StopsWithExit130_AndTheSameCommandResumes()
    {
        using var directory = new TempDirectory("batch-resume");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 3000);
        await using var proxy = await ScriptedInferenceServer.StartAsync(iris.Target);
        string[] Arguments(string output) => BatchRun.Iris(proxy.Target, input, output, "--batch-size", "100", "--chunk-rows", "1000", "--concurrency", "1");
        var expected = directory.File("expected.csv");
        await BatchRun.SucceedAsync(Arguments(expected));
        var calls = proxy.InferCalls;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.BeforeInfer = n =>
        {
            if (n - calls <= 15)
            {
                return Task.CompletedTask;
            }

            holding.TrySetResult();
            return held.Task;
        };
        var output = directory.File("out.csv");

        await using (var batch = BatchRun.Start(Arguments(output)))
        {
            await holding.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await Wait.UntilAsync(() => CommittedRows(output + ".checkpoint") >= 1000, "a committed chunk");
            batch.Signal(Signals.Term);
            Assert.Equal(130, await batch.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("interrupted: the last checkpoint", batch.Output);
        }

        proxy.BeforeInfer = _ => Task.CompletedTask;
        await BatchRun.SucceedAsync(Arguments(output));

        Assert.Equal(await File.ReadAllBytesAsync(expected), await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task CheckpointOfAnotherJob_IsRefusedWithTheDifference()
    {
        using var directory = new TempDirectory("batch-resume");
        var input = IrisRows.WriteCsv(directory.File("in.csv"), 100);
        var output = directory.File("out.csv");
        await File.WriteAllTextAsync(output + ".checkpoint", """
            {"job":{"input":"/elsewhere.csv","inputBytes":1,"inputModified":"2020-01-01T00:00:00Z","output":"x","format":"csv","outputFormat":"csv",
            "modelName":"iris","modelVersion":"1","modelSha256":"","mapping":"","batchSize":1,"chunkRows":1,"shard":"0/1","outputPrefix":""},
            "nextRow":10,"rowsWritten":10,"rowsFailed":0,"outputBytes":100,"outputParts":0,"errorBytes":0}
            """);

        var result = await BatchRun.RunAsync(BatchRun.Iris(iris.Target, input, output));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("belongs to another job (input was \"/elsewhere.csv\"", result.Stderr);
    }

    private async Task<string> InputAsync(TempDirectory directory, string format)
    {
        var csv = IrisRows.WriteCsv(directory.File("in.csv"), Rows);
        if (format == "csv")
        {
            return csv;
        }

        // The other inputs are made by the tool from the CSV (a Parquet file with row groups of 1000 rows).
        var converted = directory.File("in." + format);
        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, csv, converted, "--chunk-rows", "1000", "--output-prefix", "first_"));
        return converted;
    }

    private static long CommittedRows(string checkpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(checkpoint));
            return document.RootElement.GetProperty("rowsWritten").GetInt64();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return 0;
        }
    }

    /// <summary>Text outputs: bytes past the committed length are on disk. Parquet keeps an unfinished chunk in memory.</summary>
    private static bool WroteBeyondCheckpoint(string output, string checkpoint, string format)
    {
        if (format == "parquet")
        {
            return true;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(checkpoint));
        return new FileInfo(output).Length > document.RootElement.GetProperty("outputBytes").GetInt64();
    }

    /// <summary>What a crash can leave besides: half a row at the end of a text output; a half-written part and a part renamed but never checkpointed.</summary>
    private static void TearTheUncommittedTail(string output, string format)
    {
        if (format == "parquet")
        {
            var parts = output + ".parts";
            var committed = Directory.GetFiles(parts, "*.parquet").Length;
            File.WriteAllText(Path.Combine(parts, $"part-{committed:D6}.parquet.tmp"), "PAR1 torn");
            File.Copy(Path.Combine(parts, "part-000000.parquet"), Path.Combine(parts, $"part-{committed:D6}.parquet"));
            return;
        }

        using var file = new FileStream(output, FileMode.Append);
        file.Write("5.1,3.5,1.4"u8);
    }
}
