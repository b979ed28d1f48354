using System.Globalization;
using System.Text.Json;

namespace Inference.Batch.Tensors;

/// <summary>
/// Floating-point values in JSON: finite values as numbers (shortest text that reads back to the same bits), NaN and
/// infinities, which JSON numbers cannot hold, as the strings "NaN", "Infinity" and "-Infinity" (what the CSV text
/// and .NET's named literals use; the reader accepts them back).
/// </summary>
internal static class JsonNumbers
{
    public static void Write(Utf8JsonWriter json, float value)
    {
        if (float.IsFinite(value))
        {
            Span<char> text = stackalloc char[32];
            value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
            json.WriteRawValue(text[..written], skipInputValidation: true);
        }
        else
        {
            json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    public static void Write(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            Span<char> text = stackalloc char[32];
            value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
            json.WriteRawValue(text[..written], skipInputValidation: true);
        }
        else
        {
            json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
