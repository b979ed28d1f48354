namespace Inference.Grpc.Tests.Unit;

public sealed class MetadataTests
{
    [Fact]
    public void BinaryEntry_ValueIsUnpaddedBase64()
    {
        var entry = new Metadata.Entry("x-data-bin", [1, 2, 3, 4]);
        Assert.True(entry.IsBinary);
        Assert.Equal("AQIDBA", entry.Value);
    }

    [Theory]
    [InlineData("AQIDBA==")]
    [InlineData("AQIDBA")]
    [InlineData(" AQIDBA ")]
    public void DecodeBinaryValue_AcceptsPaddedAndUnpadded(string value) =>
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Metadata.DecodeBinaryValue(value));

    [Fact]
    public void DecodeBinaryValue_InvalidLength_Throws() =>
        Assert.Throws<FormatException>(() => Metadata.DecodeBinaryValue("AQIDB"));

    [Fact]
    public void Add_UpperCaseKey_IsLowerCased()
    {
        var metadata = new Metadata().Add("X-Model-Name", "iris");
        Assert.Equal("x-model-name", metadata[0].Key);
        Assert.Equal("iris", metadata.GetValue("x-model-name"));
    }

    [Theory]
    [InlineData("bad key")]
    [InlineData("key:colon")]
    [InlineData("ключ")]
    public void Add_InvalidKey_Throws(string key) =>
        Assert.Throws<ArgumentException>(() => new Metadata().Add(key, "v"));

    [Fact]
    public void Add_NonAsciiTextValue_Throws() =>
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-name", "café"));

    [Fact]
    public void Add_TextValueOnBinKey_Throws() =>
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data-bin", "text"));

    [Fact]
    public void Add_BytesOnTextKey_Throws() =>
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data", [1]));

    [Fact]
    public void GetValueBytes_ReturnsBinaryEntryOnly()
    {
        var metadata = new Metadata().Add("x-data-bin", [9, 8]).Add("x-text", "t");
        Assert.Equal(new byte[] { 9, 8 }, metadata.GetValueBytes("x-data-bin"));
        Assert.Null(metadata.GetValueBytes("x-text"));
        Assert.Null(metadata.GetValue("x-data-bin"));
    }

    [Fact]
    public void Empty_IsReadOnly() =>
        Assert.Throws<InvalidOperationException>(() => Metadata.Empty.Add("a", "b"));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/json", false)]
    [InlineData("application/grpcx", false)]
    [InlineData(null, false)]
    public void IsGrpcProtoContentType(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcProtoContentType(contentType));
}
