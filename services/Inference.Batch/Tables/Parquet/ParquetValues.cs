using System.Globalization;
using System.Text;
using System.Text.Json;
using Inference.Batch.Tensors;

namespace Inference.Batch.Tables.Parquet;

/// <summary>One Parquet value (as Parquet.Net reads it) written as text, as JSON, or into a model input.</summary>
internal static class ParquetValues
{
    /// <summary>The struct type Parquet.Net's raw reads and writes use for a field's CLR type.</summary>
    public static Type StorageType(Type clrType) =>
        clrType == typeof(string) ? typeof(ReadOnlyMemory<char>)
        : clrType == typeof(byte[]) ? typeof(ReadOnlyMemory<byte>)
        : clrType;

    public static void AppendText<T>(T value, StringBuilder text)
    {
        switch (value)
        {
            case ReadOnlyMemory<char> chars:
                text.Append(chars.Span);
                break;
            case ReadOnlyMemory<byte> bytes:
                text.Append(Convert.ToBase64String(bytes.Span));
                break;
            case bool flag:
                text.Append(flag ? "true" : "false");
                break;
            case DateTime time:
                text.Append(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                text.Append(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case IFormattable formattable:
                text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(value?.ToString());
                break;
        }
    }

    public static void WriteJson<T>(T value, Utf8JsonWriter json)
    {
        switch (value)
        {
            case ReadOnlyMemory<char> chars:
                json.WriteStringValue(chars.Span);
                break;
            case ReadOnlyMemory<byte> bytes:
                json.WriteBase64StringValue(bytes.Span);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case float single:
                JsonNumbers.Write(json, single);
                break;
            case double number:
                JsonNumbers.Write(json, number);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong unsigned:
                json.WriteNumberValue(unsigned);
                break;
            case decimal exact:
                json.WriteNumberValue(exact);
                break;
            default:
                var text = new StringBuilder();
                AppendText(value, text);
                json.WriteStringValue(text.ToString());
                break;
        }
    }

    /// <summary>Appends one value to a model input; returns why it cannot, or null.</summary>
    public static string? Write<T>(T value, InputTensorBuffer target) => value switch
    {
        float single => target.AppendDouble(single),
        double number => target.AppendDouble(number),
        Half half => target.AppendDouble((double)half),
        bool flag => target.AppendBool(flag),
        sbyte or byte or short or ushort or int or uint or long => target.AppendInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong unsigned => target.AppendUInt64(unsigned),
        decimal exact => target.AppendText(exact.ToString(CultureInfo.InvariantCulture)),
        ReadOnlyMemory<char> chars => target.AppendString(chars.Span),
        ReadOnlyMemory<byte> bytes => target.AppendBytes(bytes.Span),
        _ => $"a {typeof(T).Name} value cannot be a model input",
    };
}
