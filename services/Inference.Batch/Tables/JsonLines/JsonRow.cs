using System.Text;
using System.Text.Json;

namespace Inference.Batch.Tables.JsonLines;

/// <summary>
/// Where each top-level field of one JSON object lies in its line: name, token, and the value's bytes. Parsed once
/// per row with <see cref="Utf8JsonReader"/>; values are read from their bytes only when needed.
/// </summary>
internal sealed class JsonRow(IReadOnlyList<string> columns)
{
    private readonly Dictionary<string, int> _columnIndex = columns.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
    private readonly List<(byte[] Raw, string Name)> _names = [];

    /// <summary>Per column: index into <see cref="Fields"/>, or -1 when the object lacks it.</summary>
    public int[] ColumnField { get; } = new int[columns.Count];

    public List<JsonField> Fields { get; } = [];

    /// <summary>Parses <paramref name="line"/>; returns why it is not an object of known fields, or null.</summary>
    public string? Parse(ReadOnlySpan<byte> line, bool strictColumns)
    {
        Array.Fill(ColumnField, -1);
        Fields.Clear();
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the line is not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Name(ref reader);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                var token = reader.TokenType;
                if (token is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    reader.Skip();
                }

                var end = (int)reader.BytesConsumed;
                if (_columnIndex.TryGetValue(name, out var column))
                {
                    if (ColumnField[column] >= 0)
                    {
                        return $"field '{name}' appears twice";
                    }

                    ColumnField[column] = Fields.Count;
                }
                else if (strictColumns)
                {
                    return $"field '{name}' is not one of the columns, which the file's first row sets";
                }

                Fields.Add(new JsonField(name, token, start, end - start));
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "the line holds more than one JSON value";
            }

            return null;
        }
        catch (JsonException ex)
        {
            return $"the line is not valid JSON ({ex.Message.Split(" LineNumber")[0]})";
        }
    }

    /// <summary>The names of the top-level fields of <paramref name="line"/> (for the columns, from the first row).</summary>
    public static IReadOnlyList<string> Names(ReadOnlySpan<byte> line)
    {
        var names = new List<string>();
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the first line is not a JSON object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!names.Contains(name))
            {
                names.Add(name);
            }

            reader.Read();
            reader.Skip();
        }

        return names;
    }

    /// <summary>The property's name, the same string instance for the same raw bytes (names repeat on every line).</summary>
    private string Name(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        foreach (var (bytes, name) in _names)
        {
            if (raw.SequenceEqual(bytes))
            {
                return name;
            }
        }

        var decoded = reader.GetString()!;
        if (_names.Count < 1024)
        {
            _names.Add((raw.ToArray(), decoded));
        }

        return decoded;
    }
}

/// <summary>A top-level field: its name, its value's token and where the value's bytes lie in the line.</summary>
internal readonly record struct JsonField(string Name, JsonTokenType Token, int Start, int Length);

internal static class JsonValueText
{
    /// <summary>A string value's text (unescaped), or another value's JSON text.</summary>
    public static string Of(ReadOnlySpan<byte> value, JsonTokenType token)
    {
        if (token != JsonTokenType.String)
        {
            return Encoding.UTF8.GetString(value);
        }

        var reader = new Utf8JsonReader(value);
        reader.Read();
        return reader.GetString()!;
    }
}
