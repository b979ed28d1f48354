using System.Buffers;
using System.Text;
using System.Text.Json;
using Inference.Batch.Tensors;

namespace Inference.Batch.Tables;

/// <summary>A JSON array (nested arrays flattened in order) written element by element into a model input.</summary>
internal static class JsonLists
{
    /// <summary>The text of a JSON array, as a CSV field holds a list.</summary>
    public static string? WriteText(ReadOnlySpan<char> text, InputTensorBuffer target)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed[0] != '[')
        {
            return "the input takes a list of values: a JSON array such as [1,2,3]";
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(trimmed.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(trimmed, rented);
            return Write(rented.AsSpan(0, length), target);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The UTF-8 text of a JSON array.</summary>
    public static string? Write(ReadOnlySpan<byte> json, InputTensorBuffer target)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return "the input takes a list of values: a JSON array such as [1,2,3]";
            }

            var depth = 1;
            while (depth > 0 && reader.Read())
            {
                var failure = reader.TokenType switch
                {
                    JsonTokenType.StartArray => Nest(ref depth, +1),
                    JsonTokenType.EndArray => Nest(ref depth, -1),
                    JsonTokenType.Number => WriteNumber(ref reader, target),
                    JsonTokenType.String => target.AppendString(reader.GetString()),
                    JsonTokenType.True => target.AppendBool(true),
                    JsonTokenType.False => target.AppendBool(false),
                    JsonTokenType.Null => "the list has a null element",
                    _ => "the list holds objects, not values",
                };
                if (failure is not null)
                {
                    return failure;
                }
            }

            return depth == 0 ? null : "the list is not closed";
        }
        catch (JsonException ex)
        {
            return $"the list is not valid JSON ({ex.Message.Split(" LineNumber")[0]})";
        }
    }

    /// <summary>A JSON number by its text, so that it converts exactly as the same text in a CSV field does.</summary>
    public static string? WriteNumber(ref Utf8JsonReader reader, InputTensorBuffer target)
    {
        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        Span<char> text = stackalloc char[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            text[i] = (char)raw[i];
        }

        return target.AppendText(text);
    }

    private static string? Nest(ref int depth, int change)
    {
        depth += change;
        return null;
    }
}
