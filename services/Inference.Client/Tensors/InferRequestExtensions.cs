using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Inference.Contracts.Oip;
using InputTensor = Inference.Contracts.Oip.ModelInferRequest.Types.InferInputTensor;

namespace Inference.Client;

/// <summary>
/// Builds ModelInferRequest inputs from .NET arrays. A request carries either raw contents for every input or
/// typed contents for every input (the protocol's rule); mixing them throws.
/// </summary>
public static class InferRequestExtensions
{
    /// <summary>The request parameter that asks the model server for typed output contents.</summary>
    public const string BinaryDataOutputParameter = "binary_data_output";

    /// <summary>Adds a numeric or BOOL input of shape <paramref name="shape"/> (element type from <typeparamref name="T"/>).</summary>
    public static ModelInferRequest AddInput<T>(this ModelInferRequest request, string name, ReadOnlySpan<T> data, ReadOnlySpan<long> shape, TensorEncoding encoding = TensorEncoding.Raw)
        where T : unmanaged
    {
        var tensor = NewTensor(request, name, InferDatatype.Of<T>(), shape, data.Length, encoding);
        if (encoding == TensorEncoding.Raw)
        {
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(data)));
        }
        else
        {
            tensor.Contents = ToTyped(data);
        }

        request.Inputs.Add(tensor);
        return request;
    }

    /// <summary>Adds a BYTES input of strings (sent as UTF-8).</summary>
    public static ModelInferRequest AddInput(this ModelInferRequest request, string name, IReadOnlyList<string> data, long[] shape, TensorEncoding encoding = TensorEncoding.Raw)
    {
        ArgumentNullException.ThrowIfNull(data);
        return request.AddInput(name, data.Select(Encoding.UTF8.GetBytes).ToArray(), shape, encoding);
    }

    /// <summary>Adds a BYTES input of byte strings.</summary>
    public static ModelInferRequest AddInput(this ModelInferRequest request, string name, IReadOnlyList<byte[]> data, long[] shape, TensorEncoding encoding = TensorEncoding.Raw)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tensor = NewTensor(request, name, Datatypes.Bytes, shape, data.Count, encoding);
        if (encoding == TensorEncoding.Raw)
        {
            var buffer = new byte[data.Sum(d => 4L + d.Length)];
            var offset = 0;
            foreach (var element in data)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), (uint)element.Length);
                element.CopyTo(buffer.AsSpan(offset + 4));
                offset += 4 + element.Length;
            }

            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(buffer));
        }
        else
        {
            tensor.Contents = new InferTensorContents();
            foreach (var element in data)
            {
                tensor.Contents.BytesContents.Add(ByteString.CopyFrom(element));
            }
        }

        request.Inputs.Add(tensor);
        return request;
    }

    /// <summary>Asks for these outputs only, in this order (by default the server returns every output).</summary>
    public static ModelInferRequest RequestOutputs(this ModelInferRequest request, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var name in names)
        {
            request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = name });
        }

        return request;
    }

    /// <summary>
    /// Asks for typed output contents instead of raw_output_contents (<c>binary_data_output = false</c>). The model
    /// server keeps raw contents when an output is FP16 or BF16. Reading with <see cref="InferResponseExtensions"/>
    /// works either way.
    /// </summary>
    public static ModelInferRequest RequestTypedOutputs(this ModelInferRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Parameters[BinaryDataOutputParameter] = new InferParameter { BoolParam = false };
        return request;
    }

    private static InputTensor NewTensor(ModelInferRequest request, string name, string datatype, ReadOnlySpan<long> shape, long count, TensorEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(name);
        long expected = 1;
        foreach (var dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            expected = checked(expected * dimension);
        }

        if (expected != count)
        {
            throw new ArgumentException($"Shape [{string.Join(",", shape.ToArray())}] holds {expected} elements, but {count} were given.", nameof(shape));
        }

        var usesRaw = request.RawInputContents.Count > 0;
        if (request.Inputs.Count > 0 && usesRaw != (encoding == TensorEncoding.Raw))
        {
            throw new InvalidOperationException(
                "A request carries either raw contents for every input or typed contents for every input; this one already uses "
                + (usesRaw ? "raw contents." : "typed contents."));
        }

        if (encoding == TensorEncoding.Typed && datatype is Datatypes.Fp16 or Datatypes.Bf16)
        {
            throw new NotSupportedException($"{datatype} has no typed contents field; use TensorEncoding.Raw.");
        }

        var tensor = new InputTensor { Name = name, Datatype = datatype };
        foreach (var dimension in shape)
        {
            tensor.Shape.Add(dimension);
        }

        return tensor;
    }

    private static InferTensorContents ToTyped<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        var contents = new InferTensorContents();
        if (typeof(T) == typeof(float)) Add(contents.Fp32Contents, Cast<float>(data), static v => v);
        else if (typeof(T) == typeof(double)) Add(contents.Fp64Contents, Cast<double>(data), static v => v);
        else if (typeof(T) == typeof(long)) Add(contents.Int64Contents, Cast<long>(data), static v => v);
        else if (typeof(T) == typeof(int)) Add(contents.IntContents, Cast<int>(data), static v => v);
        else if (typeof(T) == typeof(short)) Add(contents.IntContents, Cast<short>(data), static v => v);
        else if (typeof(T) == typeof(sbyte)) Add(contents.IntContents, Cast<sbyte>(data), static v => v);
        else if (typeof(T) == typeof(ulong)) Add(contents.Uint64Contents, Cast<ulong>(data), static v => v);
        else if (typeof(T) == typeof(uint)) Add(contents.UintContents, Cast<uint>(data), static v => v);
        else if (typeof(T) == typeof(ushort)) Add(contents.UintContents, Cast<ushort>(data), static v => v);
        else if (typeof(T) == typeof(byte)) Add(contents.UintContents, Cast<byte>(data), static v => v);
        else if (typeof(T) == typeof(bool)) Add(contents.BoolContents, Cast<bool>(data), static v => v);
        else throw new NotSupportedException($"{typeof(T)} has no typed contents field; use TensorEncoding.Raw.");
        return contents;

        static ReadOnlySpan<TTo> Cast<TTo>(ReadOnlySpan<T> span)
            where TTo : unmanaged => MemoryMarshal.Cast<T, TTo>(span);
    }

    private static void Add<TSource, TField>(Google.Protobuf.Collections.RepeatedField<TField> field, ReadOnlySpan<TSource> values, Func<TSource, TField> convert)
    {
        field.Capacity = field.Count + values.Length;
        foreach (var value in values)
        {
            field.Add(convert(value));
        }
    }
}
