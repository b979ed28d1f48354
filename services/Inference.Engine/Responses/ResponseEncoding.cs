using System.Buffers;
using System.Text;
using Inference.Engine.Model;

namespace Inference.Engine.Responses;

/// <summary>
/// The parts of a model's ModelInferResponse that never change, encoded once: the model_name and model_version
/// fields, and the name and datatype fields of each output tensor.
/// </summary>
internal sealed class ResponseEncoding
{
    public ResponseEncoding(InferenceModel model)
    {
        ModelName = model.Name;
        ModelVersion = model.Version;
        Prefix = [.. StringField(1, model.Name), .. StringField(2, model.Version)];
        OutputPrefixes = model.Outputs.Select(o => (byte[])[.. StringField(1, o.Name), .. StringField(2, o.Datatype)]).ToArray();
    }

    public string ModelName { get; }

    public string ModelVersion { get; }

    /// <summary>model_name = 1 and model_version = 2 of the response.</summary>
    public byte[] Prefix { get; }

    /// <summary>name = 1 and datatype = 2 of each output tensor, by model output index.</summary>
    public byte[][] OutputPrefixes { get; }

    // An empty string is left out, as the generated code leaves it out.
    private static byte[] StringField(int field, string value)
    {
        if (value.Length == 0)
        {
            return [];
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new WireWriter(buffer);
        writer.WriteBytesField((byte)(field << 3 | 2), bytes);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
