using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Inference.Batch.Tables.Parquet;
using nietras.SeparatedValues;

namespace Inference.Batch.Tables.Csv;

/// <summary>
/// CSV records as read: each record's characters (copied to CSV output as they are) and where its fields lie in them
/// (unescaped for other outputs, every CSV field a string).
/// </summary>
internal sealed class CsvPassThrough(IReadOnlyList<string> columns) : PassThroughRows
{
    private readonly int _width = columns.Count;
    private readonly JsonEncodedText[] _names = columns.Select(c => JsonEncodedText.Encode(c)).ToArray();
    private char[] _chars = new char[1 << 14];
    private int _length;
    private readonly List<int> _rowStarts = [];
    // Per row, per field: start (relative to the row) and length of the raw field.
    private readonly List<int> _fields = [];
    private char[]? _scratch;

    public override int Count => _rowStarts.Count;

    public void Add(SepReader.Row row)
    {
        var span = row.Span;
        if (_length + span.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _length + span.Length));
        }

        span.CopyTo(_chars.AsSpan(_length));
        _rowStarts.Add(_length);
        ref var origin = ref MemoryMarshal.GetReference(span);
        for (var c = 0; c < _width; c++)
        {
            var field = row[c].Span;
            _fields.Add((int)(Unsafe.ByteOffset(ref origin, ref MemoryMarshal.GetReference(field)) / sizeof(char)));
            _fields.Add(field.Length);
        }

        _length += span.Length;
    }

    public override void Clear()
    {
        _length = 0;
        _rowStarts.Clear();
        _fields.Clear();
    }

    public override void WriteCsv(int row, StringBuilder line) =>
        line.Append(_chars.AsSpan(_rowStarts[row], RowLength(row)));

    public override void WriteJson(int row, Utf8JsonWriter json)
    {
        for (var c = 0; c < _width; c++)
        {
            var raw = Field(row, c);
            if (CsvText.IsMissing(raw))
            {
                json.WriteNull(_names[c]);
            }
            else
            {
                json.WriteString(_names[c], CsvText.Unescape(raw, ref _scratch));
            }
        }
    }

    public override void AppendParquet(int row, ParquetChunkBuilder chunk)
    {
        for (var c = 0; c < _width; c++)
        {
            var raw = Field(row, c);
            chunk.AddInputText(c, CsvText.IsMissing(raw) ? null : CsvText.Unescape(raw, ref _scratch).ToString());
        }
    }

    private int RowLength(int row) => (row + 1 < _rowStarts.Count ? _rowStarts[row + 1] : _length) - _rowStarts[row];

    private ReadOnlySpan<char> Field(int row, int column)
    {
        var at = (row * _width + column) * 2;
        return _chars.AsSpan(_rowStarts[row] + _fields[at], _fields[at + 1]);
    }
}
