using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.ModelServer.Model;
using Inference.Onnx;

namespace Inference.ModelServer.Tensors;

/// <summary>Writes ONNX Runtime outputs (whole, or a range of rows of a merged batch) into a ModelInferResponse.</summary>
internal static class OutputEncoder
{
    /// <summary>
    /// Appends rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) of <paramref name="value"/>
    /// (all of it when <paramref name="rowCount"/> is negative) as output <paramref name="spec"/>.
    /// </summary>
    public static void Append(ModelInferResponse response, TensorSpec spec, OnnxValue value, long rowStart, long rowCount, bool typed)
    {
        var fullShape = value.Shape;
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = spec.Name, Datatype = spec.Datatype };
        long firstElement = 0, elementCount = value.ElementCount;
        if (rowCount < 0)
        {
            output.Shape.Capacity = fullShape.Length;
            foreach (var dimension in fullShape)
            {
                output.Shape.Add(dimension);
            }
        }
        else
        {
            var perRow = RowSize(fullShape);
            firstElement = rowStart * perRow;
            elementCount = rowCount * perRow;
            output.Shape.Capacity = fullShape.Length;
            output.Shape.Add(rowCount);
            for (var d = 1; d < fullShape.Length; d++)
            {
                output.Shape.Add(fullShape[d]);
            }
        }

        response.Outputs.Add(output);
        if (spec.IsString)
        {
            if (typed)
            {
                output.Contents = new InferTensorContents();
                for (var i = firstElement; i < firstElement + elementCount; i++)
                {
                    output.Contents.BytesContents.Add(ReadString(value, i));
                }
            }
            else
            {
                response.RawOutputContents.Add(EncodeStrings(value, firstElement, elementCount));
            }

            return;
        }

        var size = spec.ElementSize;
        var bytes = value.GetTensorBytes().Slice(checked((int)(firstElement * size)), checked((int)(elementCount * size)));
        if (typed)
        {
            output.Contents = new InferTensorContents();
            TypedContents.Append(spec.ElementType, bytes, output.Contents);
        }
        else
        {
            response.RawOutputContents.Add(ByteString.CopyFrom(bytes));
        }
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
