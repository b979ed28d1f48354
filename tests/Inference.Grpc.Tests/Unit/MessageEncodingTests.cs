namespace Inference.Grpc.Tests.Unit;

public sealed class MessageEncodingTests
{
    [Fact]
    public void Encode_PrintableAscii_IsUnchanged()
    {
        const string text = "model 'iris' not found (version 2)";
        Assert.Same(text, GrpcMessageEncoding.Encode(text));
    }

    [Fact]
    public void Encode_PercentAndControlCharacters_AreEscaped() =>
        Assert.Equal("100%25 done%0Anext", GrpcMessageEncoding.Encode("100% done\nnext"));

    [Fact]
    public void Encode_NonAscii_IsUtf8PercentEncoded() =>
        Assert.Equal("caf%C3%A9", GrpcMessageEncoding.Encode("café"));

    [Theory]
    [InlineData("café ✓ 世界 😀")]
    [InlineData("tab\there")]
    [InlineData("%%%")]
    [InlineData("")]
    public void EncodeThenDecode_RoundTrips(string text)
    {
        var encoded = GrpcMessageEncoding.Encode(text);
        Assert.All(encoded, c => Assert.InRange(c, (char)0x20, (char)0x7E));
        Assert.Equal(text, GrpcMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%zz", "%zz")]
    [InlineData("50%", "50%")]
    [InlineData("a%4", "a%4")]
    [InlineData("%e2%9c%93", "✓")]
    public void Decode_KeepsInvalidEscapesAndAcceptsLowerCaseHex(string encoded, string expected) =>
        Assert.Equal(expected, GrpcMessageEncoding.Decode(encoded));
}
