using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf.Collections;
using Inference.Contracts.Oip;
using BFloat16 = Microsoft.ML.OnnxRuntime.BFloat16;
using OutputTensor = Inference.Contracts.Oip.ModelInferResponse.Types.InferOutputTensor;

namespace Inference.Client;

/// <summary>Reads ModelInferResponse outputs into .NET arrays, from raw_output_contents or typed contents alike.</summary>
public static class InferResponseExtensions
{
    /// <summary>
    /// Output <paramref name="name"/> as <typeparamref name="T"/> elements; <typeparamref name="T"/> must match
    /// its datatype (float for FP32, long for INT64, Half for FP16, <see cref="BFloat16"/> for BF16…).
    /// </summary>
    public static InferOutput<T> GetOutput<T>(this ModelInferResponse response, string name)
        where T : unmanaged
    {
        var (tensor, raw) = Find(response, name);
        var datatype = InferDatatype.Of<T>();
        if (tensor.Datatype != datatype)
        {
            throw new InvalidOperationException($"Output '{name}' is {tensor.Datatype}; {typeof(T).Name} reads {datatype}.");
        }

        var shape = tensor.Shape.ToArray();
        var count = ElementCount(shape);
        T[] data;
        if (raw is not null)
        {
            var bytes = raw.Span;
            if (bytes.Length != count * Unsafe.SizeOf<T>())
            {
                throw new InvalidOperationException($"Output '{name}' has {bytes.Length} raw bytes; shape [{string.Join(",", shape)}] of {datatype} needs {count * Unsafe.SizeOf<T>()}.");
            }

            data = MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        }
        else
        {
            data = FromTyped<T>(tensor.Contents ?? new InferTensorContents(), name);
            if (data.Length != count)
            {
                throw new InvalidOperationException($"Output '{name}' has {data.Length} typed values; shape [{string.Join(",", shape)}] needs {count}.");
            }
        }

        return new InferOutput<T>(tensor.Name, tensor.Datatype, shape, data);
    }

    /// <summary>A BYTES output as byte strings.</summary>
    public static InferOutput<byte[]> GetBytesOutput(this ModelInferResponse response, string name)
    {
        var (tensor, raw) = Find(response, name);
        if (tensor.Datatype != Datatypes.Bytes)
        {
            throw new InvalidOperationException($"Output '{name}' is {tensor.Datatype}, not BYTES.");
        }

        var shape = tensor.Shape.ToArray();
        var items = new List<byte[]>();
        if (raw is not null)
        {
            var bytes = raw.Span;
            var offset = 0;
            while (offset < bytes.Length)
            {
                if (bytes.Length - offset < 4)
                {
                    throw new InvalidOperationException($"Output '{name}' has a truncated BYTES length prefix.");
                }

                var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
                if (length > (uint)(bytes.Length - offset - 4))
                {
                    throw new InvalidOperationException($"Output '{name}' has a BYTES element longer than its contents.");
                }

                items.Add(bytes.Slice(offset + 4, (int)length).ToArray());
                offset += 4 + (int)length;
            }
        }
        else if (tensor.Contents is { } contents)
        {
            items.AddRange(contents.BytesContents.Select(b => b.ToByteArray()));
        }

        if (items.Count != ElementCount(shape))
        {
            throw new InvalidOperationException($"Output '{name}' has {items.Count} elements; shape [{string.Join(",", shape)}] needs {ElementCount(shape)}.");
        }

        return new InferOutput<byte[]>(tensor.Name, tensor.Datatype, shape, items.ToArray());
    }

    /// <summary>A BYTES output decoded as UTF-8 strings.</summary>
    public static InferOutput<string> GetStringOutput(this ModelInferResponse response, string name)
    {
        var bytes = response.GetBytesOutput(name);
        return new InferOutput<string>(bytes.Name, bytes.Datatype, bytes.Shape, bytes.Data.Select(b => Encoding.UTF8.GetString(b)).ToArray());
    }

    private static (OutputTensor Tensor, Google.Protobuf.ByteString? Raw) Find(ModelInferResponse response, string name)
    {
        ArgumentNullException.ThrowIfNull(response);
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == name)
            {
                var raw = response.RawOutputContents.Count > i ? response.RawOutputContents[i] : null;
                return (response.Outputs[i], response.RawOutputContents.Count > 0 ? raw : null);
            }
        }

        throw new KeyNotFoundException($"The response has no output '{name}'; it has: {string.Join(", ", response.Outputs.Select(o => o.Name))}.");
    }

    private static long ElementCount(long[] shape) => shape.Aggregate(1L, (count, dimension) => count * dimension);

    private static T[] FromTyped<T>(InferTensorContents contents, string name)
        where T : unmanaged
    {
        object values;
        if (typeof(T) == typeof(float)) values = contents.Fp32Contents.ToArray();
        else if (typeof(T) == typeof(double)) values = contents.Fp64Contents.ToArray();
        else if (typeof(T) == typeof(long)) values = contents.Int64Contents.ToArray();
        else if (typeof(T) == typeof(int)) values = contents.IntContents.ToArray();
        else if (typeof(T) == typeof(short)) values = Convert(contents.IntContents, v => (short)v);
        else if (typeof(T) == typeof(sbyte)) values = Convert(contents.IntContents, v => (sbyte)v);
        else if (typeof(T) == typeof(ulong)) values = contents.Uint64Contents.ToArray();
        else if (typeof(T) == typeof(uint)) values = contents.UintContents.ToArray();
        else if (typeof(T) == typeof(ushort)) values = Convert(contents.UintContents, v => (ushort)v);
        else if (typeof(T) == typeof(byte)) values = Convert(contents.UintContents, v => (byte)v);
        else if (typeof(T) == typeof(bool)) values = contents.BoolContents.ToArray();
        else throw new InvalidOperationException($"Output '{name}' ({InferDatatype.Of<T>()}) has no typed contents; expected raw_output_contents.");
        return (T[])values;

        static TTo[] Convert<TFrom, TTo>(RepeatedField<TFrom> field, Func<TFrom, TTo> convert) => field.Select(convert).ToArray();
    }
}
