using System.Text.Json;
using Inference.Batch.Tests.Support;
using Inference.Testing;

namespace Inference.Batch.Tests;

/// <summary>Every format in and out through a real model server: strings and missing values arrive as they left.</summary>
[Collection(IrisServerCollection.Name)]
public sealed class FormatTests(IrisServer iris)
{
    // Strings that CSV and JSON each have to escape, and the empty string (which is not a missing value).
    private static readonly string?[] Notes =
    [
        "plain", "with, comma", "with \"quotes\"", "two\nlines", "crlf\r\nline", " padded ", "", null, "ünïcødé ✓", "[1,2]",
    ];

    [Fact]
    public async Task StringsAndMissingValues_SurviveCsvToJsonLinesToParquetToCsv()
    {
        using var directory = new TempDirectory("batch-formats");
        var input = directory.File("in.csv");
        await File.WriteAllTextAsync(input, NotesCsv());

        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, directory.File("a.jsonl"), "--batch-size", "3"));
        var jsonl = OutputFiles.JsonLines(directory.File("a.jsonl"));
        Assert.Equal(Notes.Length, jsonl.Count);
        for (var i = 0; i < Notes.Length; i++)
        {
            var note = jsonl[i].GetProperty("note");
            Assert.Equal(Notes[i], note.ValueKind == JsonValueKind.Null ? null : note.GetString());
            Assert.Equal(3, jsonl[i].GetProperty("probabilities").GetArrayLength());
            Assert.Equal("1", jsonl[i].GetProperty("model_version").GetString());
        }

        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, directory.File("a.jsonl"), directory.File("b.parquet"), "--output-prefix", "b_"));
        Assert.Equal(Notes, await OutputFiles.ParquetStrings(directory.File("b.parquet"), "note"));
        Assert.Equal(
            jsonl.Select(j => j.GetProperty("label").GetInt64()),
            await OutputFiles.ParquetValues<long>(directory.File("b.parquet"), "b_label"));

        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, directory.File("b.parquet"), directory.File("c.csv"), "--output-prefix", "c_"));
        var csv = OutputFiles.CsvRaw(directory.File("c.csv"));
        Assert.Equal(Notes, csv.Select(r => OutputFiles.CsvValue(r["note"])));
        // The empty string is written quoted, a missing value not at all.
        Assert.Equal("\"\"", csv[Array.IndexOf(Notes, "")]["note"]);
        Assert.Equal("", csv[Array.IndexOf(Notes, null)]["note"]);
        // The first hop's list output came through Parquet (a list) into CSV (its JSON text) unchanged.
        for (var i = 0; i < Notes.Length; i++)
        {
            Assert.Equal(jsonl[i].GetProperty("probabilities").GetRawText(), OutputFiles.CsvValue(csv[i]["probabilities"]));
            Assert.Equal(csv[i]["label"], csv[i]["c_label"]);
        }
    }

    [Fact]
    public async Task CsvToCsv_CopiesInputRecordsAsTheyAre()
    {
        using var directory = new TempDirectory("batch-formats");
        var input = directory.File("in.csv");
        var text = NotesCsv();
        await File.WriteAllTextAsync(input, text);

        await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, input, directory.File("out.csv")));

        var inputRecords = OutputFiles.CsvRaw(input);
        var outputRecords = OutputFiles.CsvRaw(directory.File("out.csv"));
        Assert.Equal(inputRecords.Count, outputRecords.Count);
        for (var i = 0; i < inputRecords.Count; i++)
        {
            foreach (var (column, raw) in inputRecords[i])
            {
                Assert.Equal(raw, outputRecords[i][column]);
            }
        }
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    [InlineData("parquet")]
    public async Task MissingModelInput_IsARowErrorInEveryFormat_NeverAZero(string format)
    {
        using var directory = new TempDirectory("batch-formats");
        // Row 2 lacks petal_length: CSV leaves the field empty, JSON Lines gives null (row 3 leaves the field out),
        // Parquet has a null (from the JSON null through a first pass).
        var csv = directory.File("in.csv");
        await File.WriteAllTextAsync(csv, "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.0,2.2,,1.5\n6.3,3.3,6.0,2.5\n");
        var jsonl = directory.File("in.jsonl");
        await File.WriteAllTextAsync(jsonl, """
            {"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}
            {"sepal_length":6.0,"sepal_width":2.2,"petal_length":null,"petal_width":1.5}
            {"sepal_length":6.3,"sepal_width":3.3,"petal_width":2.5}
            """);
        var input = format switch
        {
            "csv" => csv,
            "jsonl" => jsonl,
            _ => directory.File("in.parquet"),
        };
        if (format == "parquet")
        {
            // Write the Parquet input with the tool itself from the CSV, tolerating the bad row there.
            await BatchRun.SucceedAsync(BatchRun.Iris(iris.Target, csv, directory.File("first.parquet"), "--max-errors", "1"));
            await WriteParquetWithNullAsync(input);
        }

        var output = directory.File("out.csv");
        var result = await BatchRun.RunAsync(BatchRun.Iris(iris.Target, input, output, "--max-errors", "5"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = OutputFiles.CsvRaw(output);
        var errors = OutputFiles.JsonLines(output + ".errors.jsonl");
        Assert.Equal(2, errors[0].GetProperty("row").GetInt64());
        Assert.Contains("column 'petal_length' (input 'input') is missing", errors[0].GetProperty("reason").GetString());
        if (format == "jsonl")
        {
            Assert.Equal(3, errors[1].GetProperty("row").GetInt64());
            Assert.Single(rows);
        }
        else
        {
            Assert.Single(errors);
            Assert.Equal(2, rows.Count);
            Assert.StartsWith("6.3", OutputFiles.CsvValue(rows[1]["sepal_length"]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ParquetInput_TypedAndListColumns_ScoreAndKeepTheirTypes()
    {
        using var directory = new TempDirectory("batch-formats");
        var input = directory.File("in.parquet");
        await WriteTypedParquetAsync(input, rows: 40);

        var output = directory.File("out.parquet");
        await BatchRun.SucceedAsync("--input", input, "--output", output, "--address", iris.Target, "--name", "iris");

        // "input" is a list column of four floats: bound by name, as the model's input.
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), await OutputFiles.ParquetValues<long>(output, "id"));
        Assert.Equal(
            Enumerable.Range(0, 40).Select(i => IrisRows.Measurements(i)),
            await OutputFiles.ParquetLists<float>(output, "input"));
        var probabilities = await OutputFiles.ParquetLists<float>(output, "probabilities");
        Assert.All(probabilities, p => Assert.Equal(1.0, p.Sum(), 3));
        var groups = await OutputFiles.ParquetRowGroups(output);
        Assert.Equal(new long[] { 40 }, groups);
    }

    private static string NotesCsv()
    {
        var text = new System.Text.StringBuilder(IrisRows.Header + ",note\n");
        for (var i = 0; i < Notes.Length; i++)
        {
            text.Append(IrisRows.Line(i)).Append(',');
            if (Notes[i] is { } note)
            {
                text.Append('"').Append(note.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Four float columns, petal_length null in row 2 (1-based).</summary>
    private static async Task WriteParquetWithNullAsync(string path)
    {
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<float?>("sepal_length"),
            new Parquet.Schema.DataField<float?>("sepal_width"),
            new Parquet.Schema.DataField<float?>("petal_length"),
            new Parquet.Schema.DataField<float?>("petal_width"));
        float?[][] columns =
        [
            [5.1f, 6.0f, 6.3f], [3.5f, 2.2f, 3.3f], [1.4f, null, 6.0f], [0.2f, 1.5f, 2.5f],
        ];
        await using var file = File.Create(path);
        await using var writer = await Parquet.ParquetWriter.CreateAsync(schema, file);
        using var group = writer.CreateRowGroup();
        for (var c = 0; c < columns.Length; c++)
        {
            await group.WriteAsync<float>(schema.GetDataFields()[c], columns[c].AsMemory());
        }
    }

    /// <summary>An int64 id column and a list column "input" of four floats per row.</summary>
    private static async Task WriteTypedParquetAsync(string path, int rows)
    {
        var id = new Parquet.Schema.DataField<long>("id");
        var list = new Parquet.Schema.ListField("input", new Parquet.Schema.DataField<float>("element"));
        var schema = new Parquet.Schema.ParquetSchema(id, list);
        var item = (Parquet.Schema.DataField)list.Item;
        var values = Enumerable.Range(0, rows).SelectMany(IrisRows.Measurements).ToArray();
        var repetitions = Enumerable.Range(0, rows * 4).Select(i => i % 4 == 0 ? 0 : 1).ToArray();
        var definitions = Enumerable.Repeat(item.MaxDefinitionLevel, rows * 4).ToArray();
        await using var file = File.Create(path);
        await using var writer = await Parquet.ParquetWriter.CreateAsync(schema, file);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<long>(id, Enumerable.Range(0, rows).Select(i => (long)i).ToArray().AsMemory());
        await group.WriteAllPartsAsync<float>(item, values, definitions, repetitions, CancellationToken.None);
    }
}
