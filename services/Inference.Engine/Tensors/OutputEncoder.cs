using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Engine.Model;
using Inference.Engine.Responses;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Tensors;

/// <summary>Turns ONNX Runtime outputs (whole, or a range of rows of a merged batch) into response outputs.</summary>
internal static class OutputEncoder
{
    /// <summary>
    /// Appends rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/>
    /// (all of it when <paramref name="rowCount"/> is negative) as output <paramref name="spec"/> with typed contents.
    /// </summary>
    public static void AppendTyped(ModelInferResponse response, TensorSpec spec, in RunOutput value, long rowStart, long rowCount)
    {
        var output = NewOutput(spec, Rows(value, rowStart, rowCount, out var firstElement, out var elementCount));
        output.Contents = new InferTensorContents();
        response.Outputs.Add(output);
        if (spec.IsString)
        {
            for (var i = firstElement; i < firstElement + elementCount; i++)
            {
                output.Contents.BytesContents.Add(ByteString.CopyFrom(value.Value.GetStringElementAsSpan(checked((int)i))));
            }

            return;
        }

        var size = spec.ElementSize;
        TypedContents.Append(spec.ElementType, value.Bytes.Slice(checked((int)(firstElement * size)), checked((int)(elementCount * size))), output.Contents);
    }

    /// <summary>
    /// Bytes of rows [0, <paramref name="rowCount"/>) of a numeric output (all of it when <paramref name="rowCount"/>
    /// is negative), as <see cref="Raw"/> copies them; 0 for strings, which get their own buffer.
    /// </summary>
    public static int RawByteCount(TensorSpec spec, in RunOutput value, long rowCount)
    {
        if (spec.IsString)
        {
            return 0;
        }

        var elements = rowCount < 0 ? value.ElementCount : rowCount * RowSize(value.Shape);
        return checked((int)(elements * spec.ElementSize));
    }

    /// <summary>
    /// Rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/> (all of it when
    /// <paramref name="rowCount"/> is negative) as a raw output. Numeric bytes are copied into <paramref name="buffer"/>
    /// at <paramref name="offset"/> (shared by the response's outputs, see <see cref="RawByteCount"/>), or without a
    /// buffer read in place from the whole of <paramref name="value"/> when the result is written; strings are encoded as
    /// raw BYTES elements into a buffer of their own.
    /// </summary>
    public static ResultOutput Raw(TensorSpec spec, in RunOutput value, long rowStart, long rowCount, byte[]? buffer, ref int offset)
    {
        var shape = Rows(value, rowStart, rowCount, out var firstElement, out var elementCount);
        if (spec.IsString)
        {
            return new ResultOutput(spec, shape, EncodeStrings(value, firstElement, elementCount));
        }

        var size = spec.ElementSize;
        var length = checked((int)(elementCount * size));
        if (buffer is null)
        {
            return new ResultOutput(spec, shape, value.Value, length);
        }

        value.Bytes.Slice(checked((int)(firstElement * size)), length).CopyTo(buffer.AsSpan(offset, length));
        var output = new ResultOutput(spec, shape, buffer.AsMemory(offset, length));
        offset += length;
        return output;
    }

    /// <summary>Elements per row (product of dimensions past 0; 1 for rank 0 and 1).</summary>
    public static long RowSize(ReadOnlySpan<long> shape)
    {
        long size = 1;
        for (var d = 1; d < shape.Length; d++)
        {
            size *= shape[d];
        }

        return size;
    }

    /// <summary>Element <paramref name="index"/> of a numeric tensor as a double (BOOL as 0/1).</summary>
    public static double ReadAsDouble(TensorElementType type, ReadOnlySpan<byte> data, long index)
    {
        var i = (int)index;
        return type switch
        {
            TensorElementType.Float => BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]),
            TensorElementType.Double => BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]),
            TensorElementType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(data[(i * 8)..]),
            TensorElementType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(data[(i * 4)..]),
            TensorElementType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]),
            TensorElementType.Int8 => (sbyte)data[i],
            TensorElementType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(data[(i * 8)..]),
            TensorElementType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 4)..]),
            TensorElementType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]),
            TensorElementType.UInt8 or TensorElementType.Bool => data[i],
            TensorElementType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]),
            TensorElementType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]) << 16),
            _ => double.NaN,
        };
    }

    private static ModelInferResponse.Types.InferOutputTensor NewOutput(TensorSpec spec, long[] shape)
    {
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = spec.Name, Datatype = spec.Datatype };
        output.Shape.Add(shape);
        return output;
    }

    /// <summary>
    /// The shape of rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/> (its
    /// whole shape when <paramref name="rowCount"/> is negative) and the elements they span.
    /// </summary>
    private static long[] Rows(in RunOutput value, long rowStart, long rowCount, out long firstElement, out long elementCount)
    {
        if (rowCount < 0)
        {
            firstElement = 0;
            elementCount = value.ElementCount;
            return value.Shape;
        }

        var shape = value.Shape.ToArray();
        var perRow = RowSize(shape);
        firstElement = rowStart * perRow;
        elementCount = rowCount * perRow;
        shape[0] = rowCount;
        return shape;
    }

    private static byte[] EncodeStrings(in RunOutput value, long first, long count)
    {
        long total = 0;
        for (var i = first; i < first + count; i++)
        {
            total += 4 + value.Value.GetStringElementAsSpan(checked((int)i)).Length;
        }

        var buffer = new byte[checked((int)total)];
        var offset = 0;
        for (var i = first; i < first + count; i++)
        {
            var element = value.Value.GetStringElementAsSpan(checked((int)i));
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), (uint)element.Length);
            element.CopyTo(buffer.AsSpan(offset + 4));
            offset += 4 + element.Length;
        }

        return buffer;
    }
}
