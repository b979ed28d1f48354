using System.Text;
using System.Text.Json;
using Inference.Batch.Tables.Parquet;

namespace Inference.Batch.Tables.JsonLines;

/// <summary>
/// JSON objects as read: each line's bytes and its fields. To JSON Lines every field goes as it was (the value's
/// JSON text unchanged); to CSV and Parquet the columns go as text: a string's value, a number's or list's JSON text.
/// </summary>
internal sealed class JsonPassThrough(IReadOnlyList<string> columns) : PassThroughRows
{
    private readonly JsonEncodedText[] _names = columns.Select(c => JsonEncodedText.Encode(c)).ToArray();
    private byte[] _bytes = new byte[1 << 14];
    private int _length;
    private readonly List<int> _lineStarts = [];
    private readonly List<int> _fieldStarts = [];
    private readonly List<JsonField> _fields = [];
    private readonly List<int> _columnFields = [];

    public override int Count => _lineStarts.Count;

    public void Add(ReadOnlySpan<byte> line, JsonRow row)
    {
        if (_length + line.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + line.Length));
        }

        line.CopyTo(_bytes.AsSpan(_length));
        _lineStarts.Add(_length);
        _length += line.Length;
        _fieldStarts.Add(_fields.Count);
        foreach (var field in row.Fields)
        {
            _fields.Add(field);
        }

        _columnFields.AddRange(row.ColumnField);
    }

    public override void Clear()
    {
        _length = 0;
        _lineStarts.Clear();
        _fieldStarts.Clear();
        _fields.Clear();
        _columnFields.Clear();
    }

    public override void WriteCsv(int row, StringBuilder line)
    {
        for (var c = 0; c < _names.Length; c++)
        {
            if (c > 0)
            {
                line.Append(',');
            }

            if (Text(row, c) is { } text)
            {
                CsvText.AppendField(line, text);
            }
        }
    }

    public override void WriteJson(int row, Utf8JsonWriter json)
    {
        var end = row + 1 < _fieldStarts.Count ? _fieldStarts[row + 1] : _fields.Count;
        for (var f = _fieldStarts[row]; f < end; f++)
        {
            var field = _fields[f];
            json.WritePropertyName(field.Name);
            json.WriteRawValue(Value(row, field), skipInputValidation: true);
        }
    }

    public override void AppendParquet(int row, ParquetChunkBuilder chunk)
    {
        for (var c = 0; c < _names.Length; c++)
        {
            chunk.AddInputText(c, Text(row, c));
        }
    }

    /// <summary>Column <paramref name="column"/> of a row as text; null when missing (absent or null).</summary>
    private string? Text(int row, int column)
    {
        var index = _columnFields[row * _names.Length + column];
        if (index < 0)
        {
            return null;
        }

        var field = _fields[_fieldStarts[row] + index];
        return field.Token == JsonTokenType.Null ? null : JsonValueText.Of(Value(row, field), field.Token);
    }

    private ReadOnlySpan<byte> Value(int row, JsonField field) => _bytes.AsSpan(_lineStarts[row] + field.Start, field.Length);
}
