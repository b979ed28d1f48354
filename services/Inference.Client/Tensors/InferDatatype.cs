using Inference.Contracts.Oip;
using BFloat16 = Microsoft.ML.OnnxRuntime.BFloat16;

namespace Inference.Client;

/// <summary>The .NET element types that carry each OIP v2 datatype (names in <see cref="Datatypes"/>).</summary>
public static class InferDatatype
{
    /// <summary>
    /// The datatype of a .NET element type: bool, byte, ushort, uint, ulong, sbyte, short, int, long, Half,
    /// <see cref="BFloat16"/>, float, double.
    /// </summary>
    public static string Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Datatypes.Fp32;
        if (typeof(T) == typeof(double)) return Datatypes.Fp64;
        if (typeof(T) == typeof(long)) return Datatypes.Int64;
        if (typeof(T) == typeof(int)) return Datatypes.Int32;
        if (typeof(T) == typeof(short)) return Datatypes.Int16;
        if (typeof(T) == typeof(sbyte)) return Datatypes.Int8;
        if (typeof(T) == typeof(ulong)) return Datatypes.UInt64;
        if (typeof(T) == typeof(uint)) return Datatypes.UInt32;
        if (typeof(T) == typeof(ushort)) return Datatypes.UInt16;
        if (typeof(T) == typeof(byte)) return Datatypes.UInt8;
        if (typeof(T) == typeof(bool)) return Datatypes.Bool;
        if (typeof(T) == typeof(Half)) return Datatypes.Fp16;
        if (typeof(T) == typeof(BFloat16)) return Datatypes.Bf16;
        throw new NotSupportedException($"{typeof(T)} is not an OIP v2 tensor element type.");
    }
}
