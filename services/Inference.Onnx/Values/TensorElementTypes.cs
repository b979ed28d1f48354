namespace Inference.Onnx;

/// <summary>Sizes and the managed types that map onto tensor element types.</summary>
public static class TensorElementTypes
{
    /// <summary>Bytes per element; 0 for strings and unsupported types.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        _ => 0,
    };

    /// <summary>Whether this binding can create tensors of the type (every type OIP v2 can carry).</summary>
    public static bool IsSupported(TensorElementType type) =>
        type == TensorElementType.String || SizeOf(type) != 0;

    /// <summary>
    /// The element type a managed type maps onto: float, double, sbyte, byte, short, ushort, int, uint, long,
    /// ulong, bool and Half. BF16 has no managed type: use <see cref="ushort"/> bits with an explicit type.
    /// </summary>
    public static TensorElementType FromManaged<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(double)) return TensorElementType.Double;
        if (typeof(T) == typeof(sbyte)) return TensorElementType.Int8;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(short)) return TensorElementType.Int16;
        if (typeof(T) == typeof(ushort)) return TensorElementType.UInt16;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(uint)) return TensorElementType.UInt32;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(ulong)) return TensorElementType.UInt64;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        throw new NotSupportedException($"{typeof(T)} has no tensor element type.");
    }

    /// <summary>Number of elements of a shape; throws for negative dimensions or overflow.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(",", shape.ToArray())}] has a negative dimension.", nameof(shape));
            }

            count = checked(count * dimension);
        }

        return count;
    }
}
