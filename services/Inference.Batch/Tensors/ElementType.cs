using Inference.Contracts.Oip;

namespace Inference.Batch.Tensors;

/// <summary>The OIP datatypes as an enum, so per-element code switches on a number rather than a string.</summary>
internal enum ElementType
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Bf16,
    Fp32,
    Fp64,
    Bytes,
}

internal static class ElementTypes
{
    public static ElementType Parse(string datatype) => datatype switch
    {
        Datatypes.Bool => ElementType.Bool,
        Datatypes.UInt8 => ElementType.UInt8,
        Datatypes.UInt16 => ElementType.UInt16,
        Datatypes.UInt32 => ElementType.UInt32,
        Datatypes.UInt64 => ElementType.UInt64,
        Datatypes.Int8 => ElementType.Int8,
        Datatypes.Int16 => ElementType.Int16,
        Datatypes.Int32 => ElementType.Int32,
        Datatypes.Int64 => ElementType.Int64,
        Datatypes.Fp16 => ElementType.Fp16,
        Datatypes.Bf16 => ElementType.Bf16,
        Datatypes.Fp32 => ElementType.Fp32,
        Datatypes.Fp64 => ElementType.Fp64,
        Datatypes.Bytes => ElementType.Bytes,
        _ => throw new NotSupportedException($"datatype '{datatype}' is not an OIP tensor datatype"),
    };

    /// <summary>Bytes per element in raw contents; 0 for BYTES (length-prefixed, variable).</summary>
    public static int Size(this ElementType type) => type switch
    {
        ElementType.Bool or ElementType.UInt8 or ElementType.Int8 => 1,
        ElementType.UInt16 or ElementType.Int16 or ElementType.Fp16 or ElementType.Bf16 => 2,
        ElementType.UInt32 or ElementType.Int32 or ElementType.Fp32 => 4,
        ElementType.UInt64 or ElementType.Int64 or ElementType.Fp64 => 8,
        _ => 0,
    };

    public static bool IsInteger(this ElementType type) =>
        type is ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64
            or ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64;

    /// <summary>The inclusive range of an integer type, as the widest types hold it.</summary>
    public static (long Min, ulong Max) Range(this ElementType type) => type switch
    {
        ElementType.UInt8 => (0, byte.MaxValue),
        ElementType.UInt16 => (0, ushort.MaxValue),
        ElementType.UInt32 => (0, uint.MaxValue),
        ElementType.UInt64 => (0, ulong.MaxValue),
        ElementType.Int8 => (sbyte.MinValue, (ulong)sbyte.MaxValue),
        ElementType.Int16 => (short.MinValue, (ulong)short.MaxValue),
        ElementType.Int32 => (int.MinValue, int.MaxValue),
        ElementType.Int64 => (long.MinValue, long.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an integer type"),
    };
}
