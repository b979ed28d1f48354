using Google.Protobuf;
using Google.Protobuf.Reflection;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tensors;

/// <summary>
/// The ModelInferResponse of one call, serialized straight from what it holds: with raw outputs (the default) the
/// output names, shapes and bytes are written as they are, without building the protobuf object graph (a message,
/// a tensor and a parameter map per output) that would only be serialized once. With typed contents it wraps the
/// protobuf message. Either way the bytes on the wire are those of the equivalent <see cref="ModelInferResponse"/>.
/// Written, never read: the merging members throw.
/// </summary>
internal sealed class InferResponse : IMessage<InferResponse>, IBufferMessage
{
    // Field tags of ModelInferResponse (and of its InferOutputTensor): field number << 3 | wire type 2 (length-delimited).
    private const byte ModelNameTag = 10;
    private const byte ModelVersionTag = 18;
    private const byte IdTag = 26;
    private const byte OutputsTag = 42;
    private const byte RawOutputContentsTag = 50;
    private const byte TensorNameTag = 10;
    private const byte TensorDatatypeTag = 18;
    private const byte TensorShapeTag = 26;

    private readonly ModelInferResponse? _message;
    private readonly string _modelName;
    private readonly string _modelVersion;
    private readonly string _id;
    private readonly RawOutput[] _outputs;
    private int _size = -1;

    private InferResponse(ModelInferResponse? message, string modelName, string modelVersion, string id, RawOutput[] outputs)
    {
        _message = message;
        _modelName = modelName;
        _modelVersion = modelVersion;
        _id = id;
        _outputs = outputs;
    }

    public MessageDescriptor Descriptor => ModelInferResponse.Descriptor;

    /// <summary>A response with raw output contents: <paramref name="outputs"/> in the order the response lists them.</summary>
    public static InferResponse Raw(string modelName, string modelVersion, string id, RawOutput[] outputs) =>
        new(null, modelName, modelVersion, id, outputs);

    /// <summary>A response that is this protobuf message (typed contents).</summary>
    public static InferResponse Of(ModelInferResponse message) => new(message, string.Empty, string.Empty, string.Empty, []);

    public int CalculateSize()
    {
        if (_message is not null)
        {
            return _message.CalculateSize();
        }

        if (_size >= 0)
        {
            return _size;
        }

        var size = StringFieldSize(_modelName) + StringFieldSize(_modelVersion) + StringFieldSize(_id);
        foreach (var output in _outputs)
        {
            var tensor = TensorSize(output);
            size += 1 + CodedOutputStream.ComputeLengthSize(tensor) + tensor;
            size += 1 + CodedOutputStream.ComputeBytesSize(output.Contents);
        }

        return _size = size;
    }

    public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

    void IBufferMessage.InternalWriteTo(ref WriteContext output)
    {
        if (_message is not null)
        {
            ((IBufferMessage)_message).InternalWriteTo(ref output);
            return;
        }

        // Field order and encodings as protoc's generated code writes them: fields by number, empty strings and
        // empty repeated fields left out, shapes packed.
        WriteString(ref output, ModelNameTag, _modelName);
        WriteString(ref output, ModelVersionTag, _modelVersion);
        WriteString(ref output, IdTag, _id);
        foreach (var tensor in _outputs)
        {
            output.WriteRawTag(OutputsTag);
            output.WriteLength(TensorSize(tensor));
            WriteString(ref output, TensorNameTag, tensor.Name);
            WriteString(ref output, TensorDatatypeTag, tensor.Datatype);
            if (tensor.Shape.Length != 0)
            {
                output.WriteRawTag(TensorShapeTag);
                output.WriteLength(PackedSize(tensor.Shape));
                foreach (var dimension in tensor.Shape)
                {
                    output.WriteInt64(dimension);
                }
            }
        }

        foreach (var tensor in _outputs)
        {
            output.WriteRawTag(RawOutputContentsTag);
            output.WriteBytes(tensor.Contents);
        }
    }

    public void MergeFrom(InferResponse message) => throw new NotSupportedException("A response is written, not merged.");

    public void MergeFrom(CodedInputStream input) => throw new NotSupportedException("A response is written, not parsed.");

    void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException("A response is written, not parsed.");

    public bool Equals(InferResponse? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    /// <summary>The response never changes once built: it is its own copy.</summary>
    public InferResponse Clone() => this;

    private static int StringFieldSize(string value) => value.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(value);

    private static int TensorSize(RawOutput tensor)
    {
        var size = StringFieldSize(tensor.Name) + StringFieldSize(tensor.Datatype);
        if (tensor.Shape.Length != 0)
        {
            var packed = PackedSize(tensor.Shape);
            size += 1 + CodedOutputStream.ComputeLengthSize(packed) + packed;
        }

        return size;
    }

    private static int PackedSize(long[] shape)
    {
        var size = 0;
        foreach (var dimension in shape)
        {
            size += CodedOutputStream.ComputeInt64Size(dimension);
        }

        return size;
    }

    private static void WriteString(ref WriteContext output, byte tag, string value)
    {
        if (value.Length != 0)
        {
            output.WriteRawTag(tag);
            output.WriteString(value);
        }
    }
}
