using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>
/// A deterministic input for a model's first input: the symbolic (batch) dimension set to the requested
/// row count, elements filled with small reproducible values, as raw little-endian bytes.
/// </summary>
internal sealed class ModelInput
{
    private ModelInput(string name, NodeMetadata metadata, long[] shape, byte[] bytes, string datatype)
    {
        Name = name;
        Metadata = metadata;
        Shape = shape;
        Bytes = bytes;
        Datatype = datatype;
    }

    public string Name { get; }

    public NodeMetadata Metadata { get; }

    public long[] Shape { get; }

    /// <summary>Row-major elements, little-endian: what <c>raw_input_contents</c> carries.</summary>
    public byte[] Bytes { get; }

    /// <summary>The OIP v2 datatype name ("FP32").</summary>
    public string Datatype { get; }

    public static ModelInput For(InferenceSession session, int batch)
    {
        if (session.InputNames.Count != 1)
        {
            throw new UsageException($"The benchmark feeds one input; the model has {session.InputNames.Count}.");
        }

        var name = session.InputNames[0];
        var metadata = session.InputMetadata[name];
        var dimensions = metadata.Dimensions;
        var shape = new long[dimensions.Length];
        var batchPlaced = false;
        for (var i = 0; i < shape.Length; i++)
        {
            if (dimensions[i] >= 0)
            {
                shape[i] = dimensions[i];
            }
            else if (!batchPlaced)
            {
                // The first free dimension is the batch, as the model server treats it.
                shape[i] = batch;
                batchPlaced = true;
            }
            else
            {
                throw new UsageException($"Input '{name}' has more than one free dimension.");
            }
        }

        if (!batchPlaced && batch != 1)
        {
            throw new UsageException($"Input '{name}' has no batch dimension; --batch must be 1.");
        }

        var count = checked((int)shape.Aggregate(1L, (product, dim) => product * dim));
        var (bytes, datatype) = metadata.ElementDataType switch
        {
            TensorElementType.Float => (ToBytes(Fill<float>(count, i => (float)i)), "FP32"),
            TensorElementType.Double => (ToBytes(Fill<double>(count, i => i)), "FP64"),
            TensorElementType.Int32 => (ToBytes(Fill<int>(count, i => (int)(i * 8))), "INT32"),
            TensorElementType.Int64 => (ToBytes(Fill<long>(count, i => (long)(i * 8))), "INT64"),
            _ => throw new UsageException($"Input '{name}' is {metadata.ElementDataType}; the benchmark fills FP32, FP64, INT32 and INT64."),
        };
        return new ModelInput(name, metadata, shape, bytes, datatype);
    }

    /// <summary>A tensor over <see cref="Bytes"/> (zero-copy; the array is pinned by the value, which it outlives).</summary>
    public OrtValue CreateTensor() => Metadata.ElementDataType switch
    {
        TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.Cast<byte, float>(Bytes).ToArray().AsMemory(), Shape),
        _ => CreateCopy(),
    };

    private OrtValue CreateCopy()
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Metadata.ElementDataType, Shape);
        Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    // Values in [0, 1) from a fixed linear congruential sequence: the same file on every run.
    private static T[] Fill<T>(int count, Func<double, T> convert)
    {
        var values = new T[count];
        var state = 0x2545F491u;
        for (var i = 0; i < count; i++)
        {
            state = (state * 1664525u) + 1013904223u;
            values[i] = convert((state >> 8) / (double)(1 << 24));
        }

        return values;
    }

    private static byte[] ToBytes<T>(T[] values)
        where T : struct =>
        BitConverter.IsLittleEndian
            ? MemoryMarshal.AsBytes(values.AsSpan()).ToArray()
            : throw new PlatformNotSupportedException("Raw tensor contents are little-endian.");
}
