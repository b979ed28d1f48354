using System.Text;
using System.Text.Json;

namespace Inference.Batch.Tables.Parquet;

/// <summary>Rows of the row group being read, by index: copied to a Parquet output with their exact types and levels.</summary>
internal sealed class ParquetPassThrough(string[] columns) : PassThroughRows
{
    private readonly JsonEncodedText[] _names = columns.Select(c => JsonEncodedText.Encode(c)).ToArray();
    private readonly List<int> _rows = [];
    private ParquetColumnData[] _data = [];

    public override int Count => _rows.Count;

    /// <summary>The row group the rows added next belong to (a Run never spans two).</summary>
    public void Use(ParquetColumnData[] data) => _data = data;

    public void Add(int row) => _rows.Add(row);

    public override void Clear() => _rows.Clear();

    public override void WriteCsv(int row, StringBuilder line)
    {
        var value = new StringBuilder();
        for (var c = 0; c < _data.Length; c++)
        {
            if (c > 0)
            {
                line.Append(',');
            }

            if (!_data[c].IsMissing(_rows[row]))
            {
                value.Clear();
                _data[c].AppendText(_rows[row], value);
                CsvText.AppendField(line, value.ToString());
            }
        }
    }

    public override void WriteJson(int row, Utf8JsonWriter json)
    {
        for (var c = 0; c < _data.Length; c++)
        {
            json.WritePropertyName(_names[c]);
            _data[c].WriteJson(_rows[row], json);
        }
    }

    public override void AppendParquet(int row, ParquetChunkBuilder chunk)
    {
        for (var c = 0; c < _data.Length; c++)
        {
            _data[c].CopyRow(_rows[row], chunk.Input(c));
        }
    }
}
