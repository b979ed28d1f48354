namespace Inference.Client.Tests;

/// <summary>
/// The BF16 element type the client uses (ONNX Runtime's managed BFloat16): float → bfloat16 rounds to nearest, ties to
/// even; NaN stays NaN.
/// </summary>
public sealed class BFloat16Tests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0, exact
    [InlineData(0x3F808000u, (ushort)0x3F80)] // halfway between 0x3F80 and 0x3F81: to the even one
    [InlineData(0x3F818000u, (ushort)0x3F82)] // halfway between 0x3F81 and 0x3F82: to the even one
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above halfway: up
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below halfway: down
    [InlineData(0xC0000000u, (ushort)0xC000)] // -2.0
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +infinity
    public void FromFloat_RoundsToNearestEven(uint floatBits, ushort expected) =>
        Assert.Equal(expected, ((BFloat16)BitConverter.UInt32BitsToSingle(floatBits)).value);

    [Fact]
    public void NaN_StaysNaN()
    {
        // A NaN: every exponent bit set and a mantissa that is not zero (which would be an infinity).
        var bits = ((BFloat16)float.NaN).value;
        Assert.Equal(0x7F80, bits & 0x7F80);
        Assert.NotEqual(0, bits & 0x007F);
        Assert.True(float.IsNaN((float)new BFloat16(0x7FC1)));
    }

    [Fact]
    public void ToFloat_PutsTheBitsInTheUpperHalf() =>
        Assert.Equal(0x40490000u, BitConverter.SingleToUInt32Bits((float)new BFloat16(0x4049)));
}
