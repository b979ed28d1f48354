using System.Text.Json;
using Inference.Batch.Tensors;

namespace Inference.Batch.Tables.JsonLines;

/// <summary>The fields of the JSON object being read.</summary>
internal readonly ref struct JsonCells(ReadOnlySpan<byte> line, JsonRow row) : IRowCells
{
    private readonly ReadOnlySpan<byte> _line = line;

    public bool IsMissing(int column)
    {
        var field = row.ColumnField[column];
        return field < 0 || row.Fields[field].Token == JsonTokenType.Null;
    }

    public string? WriteScalar(int column, InputTensorBuffer target)
    {
        var field = row.Fields[row.ColumnField[column]];
        var value = _line.Slice(field.Start, field.Length);
        switch (field.Token)
        {
            case JsonTokenType.Number:
                var reader = new Utf8JsonReader(value);
                reader.Read();
                return JsonLists.WriteNumber(ref reader, target);
            case JsonTokenType.String:
                return target.AppendString(JsonValueText.Of(value, field.Token));
            case JsonTokenType.True or JsonTokenType.False:
                return target.AppendBool(field.Token == JsonTokenType.True);
            default:
                return "the field holds a list or an object, the input takes one value from it";
        }
    }

    public string? WriteList(int column, InputTensorBuffer target)
    {
        var field = row.Fields[row.ColumnField[column]];
        var value = _line.Slice(field.Start, field.Length);
        return field.Token switch
        {
            JsonTokenType.StartArray => JsonLists.Write(value, target),
            // A list that went through a CSV file comes back as its JSON text.
            JsonTokenType.String => JsonLists.WriteText(JsonValueText.Of(value, field.Token), target),
            _ => "the input takes a list of values: a JSON array such as [1,2,3]",
        };
    }
}
