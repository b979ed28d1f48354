using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.ModelServer.Model;
using Inference.Onnx;

namespace Inference.ModelServer.Tensors;

/// <summary>Turns ONNX Runtime outputs (whole, or a range of rows of a merged batch) into response outputs.</summary>
internal static class OutputEncoder
{
    /// <summary>
    /// Appends rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/>
    /// (all of it when <paramref name="rowCount"/> is negative) as output <paramref name="spec"/> with typed contents.
    /// </summary>
    public static void AppendTyped(ModelInferResponse response, TensorSpec spec, OnnxValue value, long rowStart, long rowCount)
    {
        var shape = Rows(value, rowStart, rowCount, out var firstElement, out var elementCount);
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = spec.Name, Datatype = spec.Datatype };
        output.Shape.Add(shape);
        output.Contents = new InferTensorContents();
        response.Outputs.Add(output);
        if (spec.IsString)
        {
            for (var i = firstElement; i < firstElement + elementCount; i++)
            {
                output.Contents.BytesContents.Add(ReadString(value, i));
            }

            return;
        }

        var size = spec.ElementSize;
        TypedContents.Append(spec.ElementType, value.GetTensorBytes().Slice(checked((int)(firstElement * size)), checked((int)(elementCount * size))), output.Contents);
    }

    /// <summary>
    /// Bytes of rows [0, <paramref name="rowCount"/>) of a numeric output (all of it when <paramref name="rowCount"/>
    /// is negative), as <see cref="Raw"/> copies them; 0 for strings, which get their own buffer.
    /// </summary>
    public static int RawByteCount(TensorSpec spec, OnnxValue value, long rowCount)
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
    /// <paramref name="rowCount"/> is negative) as raw output contents: numeric bytes are copied into
    /// <paramref name="buffer"/> at <paramref name="offset"/> (shared by the response's outputs, see
    /// <see cref="RawByteCount"/>), strings are encoded as raw BYTES elements.
    /// </summary>
    public static RawOutput Raw(TensorSpec spec, OnnxValue value, long rowStart, long rowCount, byte[] buffer, ref int offset)
    {
        var shape = Rows(value, rowStart, rowCount, out var firstElement, out var elementCount);
        if (spec.IsString)
        {
            return new RawOutput(spec.Name, spec.Datatype, shape, EncodeStrings(value, firstElement, elementCount));
        }

        var size = spec.ElementSize;
        var length = checked((int)(elementCount * size));
        value.GetTensorBytes().Slice(checked((int)(firstElement * size)), length).CopyTo(buffer.AsSpan(offset, length));
        // The buffer is the response's alone and never written again: its slices are wrapped, not copied.
        var contents = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(offset, length));
        offset += length;
        return new RawOutput(spec.Name, spec.Datatype, shape, contents);
    }

    /// <summary>
    /// The shape of rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/> (its
    /// whole shape when <paramref name="rowCount"/> is negative) and the elements they span.
    /// </summary>
    private static long[] Rows(OnnxValue value, long rowStart, long rowCount, out long firstElement, out long elementCount)
    {
        var shape = value.Shape.ToArray();
        if (rowCount < 0)
        {
            firstElement = 0;
            elementCount = value.ElementCount;
            return shape;
        }

        var perRow = RowSize(shape);
        firstElement = rowStart * perRow;
        elementCount = rowCount * perRow;
        shape[0] = rowCount;
        return shape;
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

    private static ByteString ReadString(OnnxValue value, long index)
    {
        var length = value.GetStringLength(index);
        if (length == 0)
        {
            return ByteString.Empty;
        }

        var buffer = new byte[length];
        value.CopyString(index, buffer);
        return UnsafeByteOperations.UnsafeWrap(buffer);
    }

    private static ByteString EncodeStrings(OnnxValue value, long first, long count)
    {
        long total = 0;
        for (var i = first; i < first + count; i++)
        {
            total += 4 + value.GetStringLength(i);
        }

        var buffer = new byte[checked((int)total)];
        var offset = 0;
        for (var i = first; i < first + count; i++)
        {
            var length = value.GetStringLength(i);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), (uint)length);
            value.CopyString(i, buffer.AsSpan(offset + 4, length));
            offset += 4 + length;
        }

        // The buffer is ours alone and never written again: wrapping it avoids a second copy.
        return UnsafeByteOperations.UnsafeWrap(buffer);
    }
}
