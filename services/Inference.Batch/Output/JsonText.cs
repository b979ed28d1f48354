using System.Text;
using System.Text.Json;
using Inference.Batch.Tensors;

namespace Inference.Batch.Output;

internal static class JsonText
{
    /// <summary>Row <paramref name="row"/> of an output as the text of a JSON array.</summary>
    public static string Array(OutputTensor tensor, int row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            for (var i = 0; i < tensor.RowElements; i++)
            {
                tensor.WriteJson(row, i, json);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
