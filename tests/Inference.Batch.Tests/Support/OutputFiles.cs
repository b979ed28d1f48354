using System.Text.Json;
using nietras.SeparatedValues;
using Parquet;
using Parquet.Schema;

namespace Inference.Batch.Tests.Support;

/// <summary>Reads output files with the formats' own libraries, independently of the tool's readers.</summary>
internal static class OutputFiles
{
    /// <summary>A CSV file's rows as raw fields by column (quotes kept: "" is an empty string, nothing is missing).</summary>
    public static List<Dictionary<string, string>> CsvRaw(string path)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = false, DisableColCountCheck = false }).FromFile(path);
        var names = reader.Header.ColNames;
        var rows = new List<Dictionary<string, string>>();
        foreach (var row in reader)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++)
            {
                fields[names[i]] = row[i].ToString();
            }

            rows.Add(fields);
        }

        return rows;
    }

    /// <summary>A raw CSV field's value: null when missing (empty), else unquoted.</summary>
    public static string? CsvValue(string raw) =>
        raw.Length == 0 ? null : raw.Length >= 2 && raw[0] == '"' ? raw[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : raw;

    public static List<JsonElement> JsonLines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>A flat string column of a Parquet file, every row group in order.</summary>
    public static async Task<List<string?>> ParquetStrings(string path, string column)
    {
        var values = new List<string?>();
        await using var reader = await ParquetReader.CreateAsync(path);
        var field = reader.Schema.GetDataFields().Single(f => f.Name == column);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var buffer = new string?[group.RowCount];
            await group.ReadAsync(field, buffer.AsMemory());
            values.AddRange(buffer);
        }

        return values;
    }

    /// <summary>A flat column of a Parquet file whose values are of type <typeparamref name="T"/>, every row group in order.</summary>
    public static async Task<List<T>> ParquetValues<T>(string path, string column)
        where T : struct
    {
        var values = new List<T>();
        await using var reader = await ParquetReader.CreateAsync(path);
        var field = reader.Schema.GetDataFields().Single(f => f.Path.ToString() == column || f.Name == column);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var buffer = new T[group.RowCount];
            await group.ReadAsync(field, buffer.AsMemory());
            values.AddRange(buffer);
        }

        return values;
    }

    /// <summary>A list column of non-null <typeparamref name="T"/> values, one list per row.</summary>
    public static async Task<List<T[]>> ParquetLists<T>(string path, string column)
        where T : struct
    {
        var rows = new List<T[]>();
        await using var reader = await ParquetReader.CreateAsync(path);
        var list = (ListField)reader.Schema.Fields.Single(f => f.Name == column);
        var item = (DataField)list.Item;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = (int)group.GetMetadata(item)!.MetaData!.NumValues;
            var values = new T[count];
            var definitions = new int[count];
            var repetitions = new int[count];
            await group.ReadRawAsync(item, values.AsMemory(), definitions.AsMemory(), repetitions.AsMemory());
            var current = new List<T>();
            for (var i = 0; i < count; i++)
            {
                if (repetitions[i] == 0 && i > 0)
                {
                    rows.Add(current.ToArray());
                    current.Clear();
                }

                current.Add(values[i]);
            }

            rows.Add(current.ToArray());
        }

        return rows;
    }

    /// <summary>The row groups of a Parquet file and their row counts.</summary>
    public static async Task<long[]> ParquetRowGroups(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        return Enumerable.Range(0, reader.RowGroupCount).Select(g => reader.RowGroups[g].RowCount).ToArray();
    }
}
