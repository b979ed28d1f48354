using System.Text;
using System.Text.Json;
using Inference.Batch.Tables.Parquet;

namespace Inference.Batch.Tables;

/// <summary>
/// The input columns of the rows of one Run, kept as read so that they reach the output unchanged: each reader keeps
/// its own representation and writes it to each output format.
/// </summary>
internal abstract class PassThroughRows
{
    public abstract int Count { get; }

    public abstract void Clear();

    /// <summary>Appends row <paramref name="row"/>'s input fields as CSV text, separated by commas (no trailing comma).</summary>
    public abstract void WriteCsv(int row, StringBuilder line);

    /// <summary>Writes row <paramref name="row"/>'s input fields as properties of the open JSON object.</summary>
    public abstract void WriteJson(int row, Utf8JsonWriter json);

    /// <summary>Appends row <paramref name="row"/>'s input fields to the Parquet row group being built.</summary>
    public abstract void AppendParquet(int row, ParquetChunkBuilder chunk);
}
