using Google.Protobuf;
using Inference.Contracts.Oip;

namespace Inference.Client.Tests;

/// <summary>
/// raw_input_contents as the protocol lays them out: packed little-endian elements, BYTES as a 4-byte little-endian
/// length before each element. Every expected byte is written out by hand from the formats' definitions (IEEE 754
/// binary16/32/64, bfloat16 = the upper half of binary32), not computed with the code under test.
/// </summary>
public sealed class RawEncodingTests
{
    [Fact]
    public void Fp16_IsIeeeBinary16()
    {
        // 1.0 = 0x3C00, -2.0 = 0xC000, 65504 (largest) = 0x7BFF, 0.5 = 0x3800.
        AssertRaw("FP16", [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x00, 0x38], [(Half)1f, (Half)(-2f), Half.MaxValue, (Half)0.5f]);
    }

    [Fact]
    public void Bf16_IsTheUpperHalfOfBinary32()
    {
        // 1.0 = 0x3F80, -2.0 = 0xC000, 3.140625 = 0x4049.
        AssertRaw("BF16", [0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40], [(BFloat16)1f, (BFloat16)(-2f), (BFloat16)3.140625f]);
    }

    [Fact]
    public void Bool_IsOneBytePerElement_ZeroOrOne() =>
        AssertRaw("BOOL", [0x01, 0x00, 0x01], [true, false, true]);

    [Fact]
    public void Integers_AreLittleEndianTwosComplement()
    {
        AssertRaw("INT8", [0xFF, 0x7F], new sbyte[] { -1, 127 });
        AssertRaw("UINT8", [0x00, 0xFF], new byte[] { 0, 255 });
        AssertRaw("INT16", [0xFE, 0xFF, 0x34, 0x12], new short[] { -2, 0x1234 });
        AssertRaw("UINT16", [0x34, 0x12], new ushort[] { 0x1234 });
        AssertRaw("INT32", [0xFE, 0xFF, 0xFF, 0xFF, 0x78, 0x56, 0x34, 0x12], new[] { -2, 0x12345678 });
        AssertRaw("UINT32", [0xFF, 0xFF, 0xFF, 0xFF], new[] { uint.MaxValue });
        AssertRaw("INT64", [0x01, 0, 0, 0, 0, 0, 0, 0x80], new[] { long.MinValue + 1 });
        AssertRaw("UINT64", [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01], new[] { 0x0102030405060708UL });
    }

    [Fact]
    public void Floats_AreIeeeBinary32And64()
    {
        AssertRaw("FP32", [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC1], new[] { 1f, -10f });
        AssertRaw("FP64", [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x04, 0xC0], new[] { 1d, -2.5d });
    }

    [Fact]
    public void Bytes_AreEachAFourByteLittleEndianLengthThenTheBytes()
    {
        var request = new ModelInferRequest().AddInput("text", ["ab", "", "é"], [3]);

        var input = Assert.Single(request.Inputs);
        Assert.Equal("BYTES", input.Datatype);
        Assert.Equal([3L], input.Shape);
        Assert.Equal(
            [0x02, 0x00, 0x00, 0x00, (byte)'a', (byte)'b', 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0xC3, 0xA9],
            Assert.Single(request.RawInputContents).ToByteArray());
    }

    [Fact]
    public void RawOutputs_AreReadWithTheSameLayouts()
    {
        var response = new ModelInferResponse();
        AddRawOutput(response, "half", "FP16", [2], [0x00, 0x3C, 0x00, 0xC0]);
        AddRawOutput(response, "brain", "BF16", [1], [0x49, 0x40]);
        AddRawOutput(response, "flags", "BOOL", [2], [0x00, 0x01]);
        AddRawOutput(response, "text", "BYTES", [2], [0x01, 0, 0, 0, (byte)'x', 0x00, 0, 0, 0]);
        AddRawOutput(response, "count", "INT64", [1], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);

        Assert.Equal([(Half)1f, (Half)(-2f)], response.GetOutput<Half>("half").Data);
        Assert.Equal(3.140625f, (float)Assert.Single(response.GetOutput<BFloat16>("brain").Data));
        Assert.Equal([false, true], response.GetOutput<bool>("flags").Data);
        Assert.Equal(["x", ""], response.GetStringOutput("text").Data);
        Assert.Equal([-1L], response.GetOutput<long>("count").Data);
    }

    [Fact]
    public void MalformedRawBytesOutput_IsRefused()
    {
        var truncated = new ModelInferResponse();
        AddRawOutput(truncated, "text", "BYTES", [1], [0x05, 0, 0, 0, (byte)'a']);
        var shortPrefix = new ModelInferResponse();
        AddRawOutput(shortPrefix, "text", "BYTES", [1], [0x01, 0]);

        Assert.Throws<InvalidOperationException>(() => truncated.GetBytesOutput("text"));
        Assert.Throws<InvalidOperationException>(() => shortPrefix.GetBytesOutput("text"));
    }

    private static void AssertRaw<T>(string datatype, byte[] expected, T[] values)
        where T : unmanaged
    {
        var request = new ModelInferRequest().AddInput<T>("x", values, [values.Length]);

        var input = Assert.Single(request.Inputs);
        Assert.Equal(datatype, input.Datatype);
        Assert.Null(input.Contents);
        Assert.Equal(expected, Assert.Single(request.RawInputContents).ToByteArray());
    }

    private static void AddRawOutput(ModelInferResponse response, string name, string datatype, long[] shape, byte[] raw)
    {
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
        tensor.Shape.Add(shape);
        response.Outputs.Add(tensor);
        response.RawOutputContents.Add(ByteString.CopyFrom(raw));
    }
}
