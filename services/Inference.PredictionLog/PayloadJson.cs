using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;

namespace Inference.PredictionLog;

/// <summary>Writes a protobuf message as its canonical JSON, or as its SHA-256 and size when it is too large to keep.</summary>
public static class PayloadJson
{
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static void Write(Utf8JsonWriter writer, string name, IMessage message, int maxBytes)
    {
        var size = message.CalculateSize();
        if (size > maxBytes)
        {
            writer.WriteStartObject(name);
            writer.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(message.ToByteArray())));
            writer.WriteNumber("bytes", size);
            writer.WriteEndObject();
            return;
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(s_formatter.Format(message), skipInputValidation: true);
    }
}
