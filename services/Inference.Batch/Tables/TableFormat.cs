namespace Inference.Batch.Tables;

/// <summary>The file formats a job reads and writes.</summary>
internal enum TableFormat
{
    Csv,
    JsonLines,
    Parquet,
}

internal static class TableFormats
{
    /// <summary>The format named on the command line (csv, jsonl, parquet), or null.</summary>
    public static TableFormat? FromName(string name) => name.ToLowerInvariant() switch
    {
        "csv" => TableFormat.Csv,
        "jsonl" or "ndjson" or "jsonlines" => TableFormat.JsonLines,
        "parquet" => TableFormat.Parquet,
        _ => null,
    };

    /// <summary>The format a file name's extension implies, or null.</summary>
    public static TableFormat? FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => TableFormat.Csv,
        ".jsonl" or ".ndjson" => TableFormat.JsonLines,
        ".parquet" or ".pq" => TableFormat.Parquet,
        _ => null,
    };

    public static string Name(this TableFormat format) => format switch
    {
        TableFormat.Csv => "csv",
        TableFormat.JsonLines => "jsonl",
        _ => "parquet",
    };
}
