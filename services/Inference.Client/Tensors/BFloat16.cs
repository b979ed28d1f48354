namespace Inference.Client;

/// <summary>
/// A bfloat16 value (the upper 16 bits of an IEEE float32), for BF16 tensors. Conversion from float rounds to
/// nearest even, as ONNX Runtime does.
/// </summary>
public readonly record struct BFloat16(ushort Bits)
{
    public static explicit operator BFloat16(float value)
    {
        if (float.IsNaN(value))
        {
            return new BFloat16(0x7FC0);
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
