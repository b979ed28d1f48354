using Inference.Contracts.Oip;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Tensors;

/// <summary>How the OIP v2 datatype names map onto ONNX Runtime element types, and the field typed values of each use.</summary>
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

    /// <summary>Bytes per element of the types above; 0 for strings.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.UInt32 or TensorElementType.Int32 or TensorElementType.Float => 4,
        TensorElementType.UInt64 or TensorElementType.Int64 or TensorElementType.Double => 8,
        _ => 0,
    };

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
