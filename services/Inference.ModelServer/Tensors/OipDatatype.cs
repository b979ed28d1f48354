using Inference.Contracts.Oip;
using Inference.Onnx;

namespace Inference.ModelServer.Tensors;

/// <summary>The OIP v2 datatype names and how each maps onto an ONNX Runtime element type.</summary>
internal static class OipDatatype
{
    /// <summary>The OIP name of an element type, or null when OIP v2 cannot carry it.</summary>
    public static string? FromElementType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => Datatypes.Bool,
        TensorElementType.UInt8 => Datatypes.UInt8,
        TensorElementType.UInt16 => Datatypes.UInt16,
        TensorElementType.UInt32 => Datatypes.UInt32,
        TensorElementType.UInt64 => Datatypes.UInt64,
        TensorElementType.Int8 => Datatypes.Int8,
        TensorElementType.Int16 => Datatypes.Int16,
        TensorElementType.Int32 => Datatypes.Int32,
        TensorElementType.Int64 => Datatypes.Int64,
        TensorElementType.Float16 => Datatypes.Fp16,
        TensorElementType.BFloat16 => Datatypes.Bf16,
        TensorElementType.Float => Datatypes.Fp32,
        TensorElementType.Double => Datatypes.Fp64,
        TensorElementType.String => Datatypes.Bytes,
        _ => null,
    };

    /// <summary>Whether <paramref name="name"/> is one of the OIP v2 datatype names.</summary>
    public static bool IsKnown(string name) => Datatypes.IsKnown(name);

    /// <summary>The InferTensorContents field that carries typed values of this element type, or null (FP16, BF16).</summary>
    public static string? TypedField(TensorElementType type) => type switch
    {
        TensorElementType.Bool => "bool_contents",
        TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 => "int_contents",
        TensorElementType.Int64 => "int64_contents",
        TensorElementType.UInt8 or TensorElementType.UInt16 or TensorElementType.UInt32 => "uint_contents",
        TensorElementType.UInt64 => "uint64_contents",
        TensorElementType.Float => "fp32_contents",
        TensorElementType.Double => "fp64_contents",
        TensorElementType.String => "bytes_contents",
        _ => null,
    };
}
