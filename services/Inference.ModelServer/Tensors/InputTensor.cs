using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.ModelServer.Model;
using Inference.Onnx;

namespace Inference.ModelServer.Tensors;

/// <summary>
/// One request input after validation: its model tensor, shape and contents (raw bytes or typed values).
/// Turning it into an ONNX Runtime value can no longer fail on the client's account.
/// </summary>
internal sealed class InputTensor(TensorSpec spec, long[] shape, long elementCount, ByteString? raw, InferTensorContents? typed)
{
    public TensorSpec Spec { get; } = spec;

    public long[] Shape { get; } = shape;

    public long ElementCount { get; } = elementCount;

    /// <summary>Rows along dimension 0 (1 for a scalar).</summary>
    public long Rows => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Raw little-endian contents, or null when <see cref="Typed"/> holds the values.</summary>
    public ByteString? Raw { get; } = raw;

    public InferTensorContents? Typed { get; } = typed;

    /// <summary>
    /// An ONNX Runtime value of this input. Raw numeric contents are used in place (the request's bytes are
    /// pinned for the life of the value); typed values and strings are copied into a tensor ONNX Runtime owns.
    /// </summary>
    public OnnxValue ToValue()
    {
        if (Spec.IsString)
        {
            var value = OnnxValue.CreateTensor(TensorElementType.String, Shape);
            try
            {
                WriteStrings(value, 0);
                return value;
            }
            catch
            {
                value.Dispose();
                throw;
            }
        }

        if (Raw is not null)
        {
            return OnnxValue.CreateTensor(Spec.ElementType, MemoryMarshal.AsMemory(Raw.Memory), Shape);
        }

        var tensor = OnnxValue.CreateTensor(Spec.ElementType, Shape);
        TypedContents.Fill(Spec.ElementType, Typed, tensor.GetMutableTensorBytes());
        return tensor;
    }

    /// <summary>Copies the elements into <paramref name="batch"/> starting at element <paramref name="elementOffset"/>.</summary>
    public void CopyTo(OnnxValue batch, long elementOffset)
    {
        if (Spec.IsString)
        {
            WriteStrings(batch, elementOffset);
            return;
        }

        var size = Spec.ElementSize;
        var destination = batch.GetMutableTensorBytes().Slice(checked((int)(elementOffset * size)), checked((int)(ElementCount * size)));
        if (Raw is not null)
        {
            Raw.Span.CopyTo(destination);
        }
        else
        {
            TypedContents.Fill(Spec.ElementType, Typed, destination);
        }
    }

    private void WriteStrings(OnnxValue value, long start)
    {
        if (Raw is not null)
        {
            var raw = Raw.Span;
            var offset = 0;
            for (long i = 0; i < ElementCount; i++)
            {
                value.SetString(start + i, BytesElements.Next(raw, ref offset));
            }

            return;
        }

        if (Typed is null)
        {
            return; // an empty tensor (a zero dimension) may come without contents
        }

        var items = Typed.BytesContents;
        for (var i = 0; i < items.Count; i++)
        {
            value.SetString(start + i, items[i].Span);
        }
    }
}
