namespace Inference.Batch.Tensors;

/// <summary>bfloat16 is the upper half of a float32; conversion rounds to nearest even, as ONNX Runtime does.</summary>
internal static class BFloat16Bits
{
    public static ushort FromSingle(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
