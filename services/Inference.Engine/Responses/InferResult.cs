using System.Buffers;
using Google.Protobuf;
using Inference.Contracts.Oip;

namespace Inference.Engine.Responses;

/// <summary>
/// The answer to one ModelInfer request, ready to be written: with raw outputs (the default) the output names, shapes
/// and bytes are written straight from where they are (ONNX Runtime's own output tensors, or the rows of a merged Run)
/// into the response's buffer, with no ModelInferResponse graph and no intermediate copy; with typed contents it is a
/// ModelInferResponse. Either way the bytes are exactly those of the equivalent <see cref="ModelInferResponse"/>
/// written by the generated code. Dispose it once written: it owns the ONNX Runtime outputs it reads.
/// </summary>
public sealed class InferResult : IDisposable
{
    // ModelInferResponse: model_name = 1, model_version = 2, id = 3, outputs = 5, raw_output_contents = 6;
    // InferOutputTensor: name = 1, datatype = 2, shape = 3 (packed int64). Tags: field number << 3 | 2 (length-delimited).
    private const byte IdTag = 3 << 3 | 2;
    private const byte OutputsTag = 5 << 3 | 2;
    private const byte RawOutputContentsTag = 6 << 3 | 2;
    private const byte ShapeTag = 3 << 3 | 2;

    private readonly ResponseEncoding? _encoding;
    private readonly ModelInferResponse? _message;
    private readonly string _id;
    private readonly ResultOutput[] _outputs;
    private IDisposable? _owner;
    private int _idLength = -1;
    private int _size = -1;

    internal InferResult(ResponseEncoding encoding, string id, ResultOutput[] outputs, IDisposable? owner)
    {
        _encoding = encoding;
        _id = id;
        _outputs = outputs;
        _owner = owner;
    }

    internal InferResult(ModelInferResponse message)
    {
        _message = message;
        _id = message.Id;
        _outputs = [];
    }

    /// <summary>Bytes of the serialized message (without gRPC's 5-byte prefix).</summary>
    public int CalculateSize()
    {
        if (_size >= 0)
        {
            return _size;
        }

        if (_message is not null)
        {
            return _size = _message.CalculateSize();
        }

        long size = _encoding!.Prefix.Length;
        if (_id.Length != 0)
        {
            size += WireWriter.DelimitedFieldSize(IdLength);
        }

        foreach (ref readonly var output in _outputs.AsSpan())
        {
            size += WireWriter.DelimitedFieldSize(TensorSize(output));
            size += WireWriter.DelimitedFieldSize(output.Length);
        }

        // Larger than a gRPC message can be: the caller's write fails rather than a wrong length going out.
        return _size = checked((int)size);
    }

    /// <summary>Writes the serialized message to <paramref name="destination"/>.</summary>
    public void WriteTo(IBufferWriter<byte> destination)
    {
        if (_message is not null)
        {
            _message.WriteTo(destination);
            return;
        }

        // Field order and encodings as the generated code writes them: fields by number, empty strings and empty
        // repeated fields left out, shapes packed.
        var writer = new WireWriter(destination);
        writer.WriteRaw(_encoding!.Prefix);
        if (_id.Length != 0)
        {
            writer.WriteStringField(IdTag, _id, IdLength);
        }

        foreach (ref readonly var output in _outputs.AsSpan())
        {
            writer.WriteByte(OutputsTag);
            writer.WriteVarint((uint)TensorSize(output));
            writer.WriteRaw(_encoding.OutputPrefixes[output.Spec.Index]);
            if (output.Shape.Length != 0)
            {
                writer.WriteByte(ShapeTag);
                writer.WriteVarint((uint)PackedSize(output.Shape));
                foreach (var dimension in output.Shape)
                {
                    writer.WriteVarint((ulong)dimension);
                }
            }
        }

        foreach (ref readonly var output in _outputs.AsSpan())
        {
            writer.WriteBytesField(RawOutputContentsTag, output.Bytes);
        }

        writer.Flush();
    }

    /// <summary>
    /// The protobuf message (for in-process callers; the server writes the result instead). Raw outputs are copied
    /// into one buffer that the message's contents are slices of.
    /// </summary>
    public ModelInferResponse ToMessage()
    {
        if (_message is not null)
        {
            return _message;
        }

        var response = new ModelInferResponse { ModelName = _encoding!.ModelName, ModelVersion = _encoding.ModelVersion, Id = _id };
        var total = 0;
        foreach (ref readonly var output in _outputs.AsSpan())
        {
            total += output.Length;
        }

        var buffer = total == 0 ? [] : new byte[total];
        var offset = 0;
        foreach (ref readonly var output in _outputs.AsSpan())
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Spec.Name, Datatype = output.Spec.Datatype };
            tensor.Shape.Add(output.Shape);
            response.Outputs.Add(tensor);
            output.Bytes.CopyTo(buffer.AsSpan(offset));
            // The buffer is the message's alone and never written again: its slices are wrapped, not copied.
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(offset, output.Length)));
            offset += output.Length;
        }

        return response;
    }

    /// <summary>Releases the ONNX Runtime outputs the result reads (at once, rather than when the GC finalizes them).</summary>
    public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Dispose();

    private int IdLength => _idLength >= 0 ? _idLength : _idLength = System.Text.Encoding.UTF8.GetByteCount(_id);

    private int TensorSize(in ResultOutput output)
    {
        var size = _encoding!.OutputPrefixes[output.Spec.Index].Length;
        if (output.Shape.Length != 0)
        {
            size += WireWriter.DelimitedFieldSize(PackedSize(output.Shape));
        }

        return size;
    }

    private static int PackedSize(long[] shape)
    {
        var size = 0;
        foreach (var dimension in shape)
        {
            size += WireWriter.VarintSize((ulong)dimension);
        }

        return size;
    }
}
