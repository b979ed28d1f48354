using System.Text;
using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>Every element type OIP v2 carries goes through an Identity model and comes back unchanged.</summary>
public sealed class ElementTypeRoundTripTests
{
    private static readonly long[] Shape = [2, 3];

    public static TheoryData<string, TensorElementType> IdentityModels => new()
    {
        { "identity_float", TensorElementType.Float },
        { "identity_double", TensorElementType.Double },
        { "identity_float16", TensorElementType.Float16 },
        { "identity_bfloat16", TensorElementType.BFloat16 },
        { "identity_int8", TensorElementType.Int8 },
        { "identity_int16", TensorElementType.Int16 },
        { "identity_int32", TensorElementType.Int32 },
        { "identity_int64", TensorElementType.Int64 },
        { "identity_uint8", TensorElementType.UInt8 },
        { "identity_uint16", TensorElementType.UInt16 },
        { "identity_uint32", TensorElementType.UInt32 },
        { "identity_uint64", TensorElementType.UInt64 },
        { "identity_bool", TensorElementType.Bool },
        { "identity_string", TensorElementType.String },
    };

    public static TheoryData<string, TensorElementType> NumericIdentityModels
    {
        get
        {
            var data = new TheoryData<string, TensorElementType>();
            foreach (var row in IdentityModels)
            {
                if ((TensorElementType)row[1] != TensorElementType.String)
                {
                    data.Add((string)row[0], (TensorElementType)row[1]);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(NumericIdentityModels))]
    public void RawBytes_ZeroCopyCopiedAndAllocated_RoundTrip(string fixture, TensorElementType type)
    {
        using var session = OnnxSession.Create(Models.Fixture(fixture));
        var bytes = Pattern(type, 6);

        using (var zeroCopy = OnnxValue.CreateTensor(type, bytes.AsMemory(), Shape))
        {
            AssertRoundTrip(session, zeroCopy, type, bytes);
        }

        using (var copied = OnnxValue.CreateTensorCopy(type, bytes, Shape))
        {
            AssertRoundTrip(session, copied, type, bytes);
        }

        using var allocated = OnnxValue.CreateTensor(type, Shape);
        Assert.True(allocated.GetTensorBytes().IndexOfAnyExcept((byte)0) < 0, "allocated tensors start zeroed");
        bytes.CopyTo(allocated.GetMutableTensorBytes());
        AssertRoundTrip(session, allocated, type, bytes);
    }

    [Fact]
    public void TypedArrays_MapToTheirElementTypes()
    {
        AssertTyped("identity_float", new[] { 1.5f, -0f, float.MaxValue, float.Epsilon, float.NegativeInfinity, 3.25f });
        AssertTyped("identity_double", new[] { Math.PI, -1e300, double.Epsilon, 0d, 2.5, double.MinValue });
        AssertTyped("identity_float16", new[] { (Half)1.5f, Half.MaxValue, Half.Epsilon, Half.NegativeInfinity, (Half)(-2.25f), Half.Zero });
        AssertTyped("identity_int8", new sbyte[] { sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue });
        AssertTyped("identity_uint8", new byte[] { 0, 1, 2, 127, 128, 255 });
        AssertTyped("identity_int16", new short[] { short.MinValue, -300, 0, 1, 300, short.MaxValue });
        AssertTyped("identity_uint16", new ushort[] { 0, 1, 300, 40000, 65534, ushort.MaxValue });
        AssertTyped("identity_int32", new[] { int.MinValue, -70000, 0, 1, 70000, int.MaxValue });
        AssertTyped("identity_uint32", new[] { 0u, 1u, 70000u, 3_000_000_000u, uint.MaxValue - 1, uint.MaxValue });
        AssertTyped("identity_int64", new[] { long.MinValue, -5_000_000_000L, 0, 1, 5_000_000_000L, long.MaxValue });
        AssertTyped("identity_uint64", new[] { 0ul, 1ul, 5_000_000_000ul, 1ul << 63, ulong.MaxValue - 1, ulong.MaxValue });
        AssertTyped("identity_bool", new[] { true, false, false, true, true, false });
    }

    [Fact]
    public void BFloat16_TravelsAsItsBitPattern()
    {
        // 1.0, -2.0, 0.5, +inf, NaN, smallest subnormal.
        ushort[] bits = [0x3F80, 0xC000, 0x3F00, 0x7F80, 0x7FC1, 0x0001];
        using var session = OnnxSession.Create(Models.Fixture("identity_bfloat16"));
        using var input = OnnxValue.CreateTensor(TensorElementType.BFloat16, bits.AsMemory(), Shape);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", input)]);

        Assert.Equal(TensorElementType.BFloat16, outputs["y"].ElementType);
        Assert.Equal(bits, outputs["y"].GetTensorData<ushort>().ToArray());
    }

    [Fact]
    public void Strings_NonAsciiEmptyAndEmbeddedNul_RoundTrip()
    {
        string[] values = [string.Empty, "plain", "héllo wörld", "日本語テキスト", "emoji 😀", "nul\0inside"];
        using var session = OnnxSession.Create(Models.Fixture("identity_string"));
        using var input = OnnxValue.CreateStringTensor(values, Shape);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", input)]);
        var output = outputs["y"];

        Assert.Equal(TensorElementType.String, output.ElementType);
        Assert.Equal(Shape, output.Shape.ToArray());
        Assert.Equal(values, output.GetStrings());
        Assert.Equal(0, output.GetStringLength(0));
        Assert.Equal(Encoding.UTF8.GetByteCount(values[3]), output.GetStringLength(3));

        // Bulk read: concatenated bytes plus start offsets.
        var data = new byte[output.GetStringDataLength()];
        var offsets = new long[output.ElementCount];
        output.CopyStringData(data, offsets);
        Assert.Equal(Encoding.UTF8.GetBytes(string.Concat(values)), data);
        Assert.Equal(0, offsets[0]);
        Assert.Equal(0, offsets[1]);
        Assert.Equal("plain".Length, offsets[2]);
    }

    [Fact]
    public void Strings_ArbitraryBytes_RoundTripWithoutDecoding()
    {
        byte[] binary = [0xFF, 0x00, 0xFE, 0x80, 0x00];
        using var session = OnnxSession.Create(Models.Fixture("identity_string"));
        using var input = OnnxValue.CreateTensor(TensorElementType.String, [1, 3]);
        input.SetString(0, binary);
        input.SetString(2, "last"u8);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", input)]);
        var output = outputs["y"];

        var buffer = new byte[16];
        Assert.Equal(binary.Length, output.CopyString(0, buffer));
        Assert.Equal(binary, buffer[..binary.Length]);
        Assert.Equal(string.Empty, output.GetString(1));
        Assert.Equal("last", output.GetString(2));
    }

    [Fact]
    public void EmptyTensor_RunsWithAZeroBatch()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(Array.Empty<float>().AsMemory(), [0, 4]);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("input", input)]);

        Assert.Equal([0L, 3L], outputs["probabilities"].Shape.ToArray());
        Assert.Equal([0L], outputs["label"].Shape.ToArray());
        Assert.True(outputs["label"].GetTensorData<long>().IsEmpty);
    }

    private static void AssertTyped<T>(string fixture, T[] values)
        where T : unmanaged
    {
        using var session = OnnxSession.Create(Models.Fixture(fixture));
        using var input = OnnxValue.CreateTensor(values.AsMemory(), Shape);
        Assert.Equal(TensorElementTypes.FromManaged<T>(), input.ElementType);

        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", input)]);

        Assert.Equal(values, outputs["y"].GetTensorData<T>().ToArray());
    }

    private static void AssertRoundTrip(OnnxSession session, OnnxValue input, TensorElementType type, byte[] expected)
    {
        Span<OnnxValue?> outputs = new OnnxValue?[1];
        session.Run([0], [input], [0], outputs);
        using var output = outputs[0]!;

        Assert.Equal(OnnxValueKind.Tensor, output.Kind);
        Assert.Equal(type, output.ElementType);
        Assert.Equal(Shape, output.Shape.ToArray());
        Assert.Equal(6, output.ElementCount);
        Assert.Equal(expected, output.GetTensorBytes().ToArray());
    }

    private static byte[] Pattern(TensorElementType type, int count)
    {
        var bytes = new byte[count * TensorElementTypes.SizeOf(type)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = type == TensorElementType.Bool ? (byte)(i % 2) : (byte)((i * 37) + 11);
        }

        return bytes;
    }
}
