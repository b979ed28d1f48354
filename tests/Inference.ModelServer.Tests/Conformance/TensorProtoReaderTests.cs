using Inference.Onnx.TestData;

namespace Inference.Onnx.Tests.Conformance;

public sealed class TensorProtoReaderTests
{
    [Fact]
    public void TypedFields_AreNormalisedToRawLittleEndian()
    {
        // dims: 2 (packed), data_type INT16 (5), int32_data packed [-2, 300], name "x".
        byte[] message = [0x0A, 0x01, 0x02, 0x10, 0x05, 0x2A, 0x0C, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0xAC, 0x02, 0x42, 0x01, 0x78];

        var tensor = TensorProtoReader.Parse(message);

        Assert.Equal("x", tensor.Name);
        Assert.Equal(TensorProtoDataType.Int16, tensor.DataType);
        Assert.Equal([2L], tensor.Dims);
        Assert.Equal(new byte[] { 0xFE, 0xFF, 0x2C, 0x01 }, tensor.RawData);
    }

    [Fact]
    public void RawData_AndStrings_AreKept()
    {
        // dims 1 (unpacked), data_type FLOAT, raw_data 1.0f.
        byte[] floats = [0x08, 0x01, 0x10, 0x01, 0x4A, 0x04, 0x00, 0x00, 0x80, 0x3F];
        // dims 2, data_type STRING, string_data "a", "".
        byte[] strings = [0x08, 0x02, 0x10, 0x08, 0x32, 0x01, 0x61, 0x32, 0x00];

        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F }, TensorProtoReader.Parse(floats).RawData);
        var parsed = TensorProtoReader.Parse(strings);
        Assert.Equal(2, parsed.Strings.Count);
        Assert.Equal("a"u8.ToArray(), parsed.Strings[0]);
        Assert.Empty(parsed.Strings[1]);
    }

    [Fact]
    public void ElementCountMismatch_IsRejected()
    {
        // dims 3, FLOAT, one float only.
        byte[] message = [0x08, 0x03, 0x10, 0x01, 0x25, 0x00, 0x00, 0x80, 0x3F];

        Assert.Throws<InvalidDataException>(() => TensorProtoReader.Parse(message));
    }
}
