using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Engine.Model;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Tensors;

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
    /// An ONNX Runtime value of this input. Raw numeric contents are used in place: the tensor is created over the
    /// request's own bytes, pinned until <paramref name="pin"/> is disposed (after the Run). Typed values and strings
    /// are copied into a tensor ONNX Runtime allocates.
    /// </summary>
    public unsafe OrtValue ToValue(out MemoryHandle pin)
    {
        pin = default;
        if (Spec.IsString)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, Shape);
            try
            {
                WriteStrings(strings, 0);
                return strings;
            }
            catch
            {
                strings.Dispose();
                throw;
            }
        }

        if (Raw is { Length: > 0 } raw)
        {
            pin = MemoryMarshal.AsMemory(raw.Memory).Pin();
            try
            {
                return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Spec.ElementType, Shape, (IntPtr)pin.Pointer, raw.Length);
            }
            catch
            {
                pin.Dispose();
                pin = default;
                throw;
            }
        }

        var tensor = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Spec.ElementType, Shape);
        if (Typed is not null)
        {
            TypedContents.Fill(Spec.ElementType, Typed, tensor.GetTensorMutableRawData());
        }

        return tensor;
    }

    /// <summary>Copies the elements into <paramref name="batch"/> starting at element <paramref name="elementOffset"/>.</summary>
    public void CopyTo(OrtValue batch, long elementOffset)
    {
        if (Spec.IsString)
        {
            WriteStrings(batch, elementOffset);
            return;
        }

        var size = Spec.ElementSize;
        var destination = batch.GetTensorMutableRawData().Slice(checked((int)(elementOffset * size)), checked((int)(ElementCount * size)));
        if (Raw is not null)
        {
            Raw.Span.CopyTo(destination);
        }
        else
        {
            TypedContents.Fill(Spec.ElementType, Typed, destination);
        }
    }

    private void WriteStrings(OrtValue value, long start)
    {
        if (Raw is not null)
        {
            var raw = Raw.Span;
            var offset = 0;
            for (long i = 0; i < ElementCount; i++)
            {
                value.StringTensorSetElementAt(BytesElements.Next(raw, ref offset), checked((int)(start + i)));
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
            value.StringTensorSetElementAt(items[i].Span, checked((int)(start + i)));
        }
    }
}
