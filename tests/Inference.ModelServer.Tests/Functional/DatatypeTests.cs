using System.Text;
using Inference.Client;
using Inference.Contracts.Oip;

namespace Inference.ModelServer.Tests.Functional;

/// <summary>Every OIP v2 datatype through an Identity model, with typed and raw inputs and typed and raw outputs.</summary>
public sealed class DatatypeTests(FixtureServers fixtures) : IClassFixture<FixtureServers>
{
    public static TheoryData<TensorEncoding, bool> Encodings => new()
    {
        { TensorEncoding.Raw, false },
        { TensorEncoding.Raw, true },
        { TensorEncoding.Typed, false },
        { TensorEncoding.Typed, true },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Bool_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync("bool", [true, false, true, false, false, true], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task UInt8_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<byte>("uint8", [0, 1, 127, 128, 254, 255], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task UInt16_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<ushort>("uint16", [0, 1, 255, 256, 65534, 65535], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task UInt32_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<uint>("uint32", [0, 1, 65536, int.MaxValue, uint.MaxValue - 1, uint.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task UInt64_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<ulong>("uint64", [0, 1, uint.MaxValue, long.MaxValue, ulong.MaxValue - 1, ulong.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Int8_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<sbyte>("int8", [sbyte.MinValue, -1, 0, 1, 100, sbyte.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Int16_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync<short>("int16", [short.MinValue, -300, 0, 1, 300, short.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Int32_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync("int32", [int.MinValue, -70000, 0, 1, 70000, int.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Int64_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync("int64", [long.MinValue, -1L << 40, 0, 1, 1L << 40, long.MaxValue], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Fp32_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync("float", [float.NaN, float.MinValue, float.Epsilon, float.NaN, 3.14159f, float.PositiveInfinity], encoding, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public Task Fp64_RoundTrips(TensorEncoding encoding, bool typedOutputs) =>
        RoundTripAsync("double", [double.MinValue, -1.5, 0, double.Epsilon, Math.PI, double.NegativeInfinity], encoding, typedOutputs);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Fp16_RoundTripsRaw(bool typedOutputs) =>
        RoundTripAsync("float16", [Half.MinValue, (Half)(-1.5f), Half.Zero, Half.Epsilon, (Half)3.140625f, Half.MaxValue], TensorEncoding.Raw, typedOutputs);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Bf16_RoundTripsRaw(bool typedOutputs) =>
        RoundTripAsync("bfloat16", [(BFloat16)(-3e38f), (BFloat16)(-1.5f), (BFloat16)0f, (BFloat16)1e-30f, (BFloat16)3.140625f, (BFloat16)1e38f], TensorEncoding.Raw, typedOutputs);

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Bytes_RoundTrip(TensorEncoding encoding, bool typedOutputs)
    {
        var server = await fixtures.GetAsync("identity_string.onnx");
        byte[][] values = [[], "héllo"u8.ToArray(), [0, 1, 0, 255], Encoding.UTF8.GetBytes(new string('x', 1000)), "b"u8.ToArray(), "\u00e9t\u00e9"u8.ToArray()];
        var request = new ModelInferRequest { ModelName = "fixture" }.AddInput("x", values, [2, 3], encoding);
        if (typedOutputs)
        {
            request.RequestTypedOutputs();
        }

        var response = (await server.Client.ModelInferAsync(request)).Message;

        Assert.Equal(typedOutputs, response.RawOutputContents.Count == 0);
        var output = response.GetBytesOutput("y");
        Assert.Equal("BYTES", output.Datatype);
        Assert.Equal([2L, 3L], output.Shape);
        Assert.Equal(values, output.Data);
        Assert.Equal("héllo", response.GetStringOutput("y").Data[1]);
    }

    [Theory]
    [InlineData("identity_string.onnx", "BYTES")]
    [InlineData("identity_float.onnx", "FP32")]
    public async Task EmptyTensor_WithoutContents_IsAnsweredWithAnEmptyOutput(string model, string datatype)
    {
        // Zero rows need no values: a client may leave contents out entirely (it once crashed the string path).
        var server = await fixtures.GetAsync(model);
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = datatype };
        input.Shape.Add([0, 3]);
        var request = new ModelInferRequest { ModelName = "fixture" };
        request.Inputs.Add(input);
        request.RequestTypedOutputs();

        var response = (await server.Client.ModelInferAsync(request)).Message;

        var output = Assert.Single(response.Outputs);
        Assert.Equal([0L, 3L], output.Shape);
        Assert.Equal(datatype, output.Datatype);
    }

    [Fact]
    public async Task Strings_FromStringArray_RoundTrip()
    {
        var server = await fixtures.GetAsync("identity_string.onnx");
        string[] values = ["setosa", "", "virginica"];

        var response = (await server.Client.ModelInferAsync(new ModelInferRequest { ModelName = "fixture" }.AddInput("x", values, [1, 3]))).Message;

        Assert.Equal(values, response.GetStringOutput("y").Data);
    }

    [Fact]
    public async Task Fp16Output_WithTypedRequested_StaysRaw()
    {
        var server = await fixtures.GetAsync("identity_float16.onnx");
        var request = new ModelInferRequest { ModelName = "fixture" }.AddInput<Half>("x", [Half.One, Half.One, Half.One], [1, 3]).RequestTypedOutputs();

        var response = (await server.Client.ModelInferAsync(request)).Message;

        Assert.Single(response.RawOutputContents);
        Assert.Null(response.Outputs[0].Contents);
    }

    private async Task RoundTripAsync<T>(string type, T[] values, TensorEncoding encoding, bool typedOutputs)
        where T : unmanaged
    {
        var server = await fixtures.GetAsync($"identity_{type}.onnx");
        var request = new ModelInferRequest { ModelName = "fixture" }.AddInput<T>("x", values, [2, 3], encoding);
        if (typedOutputs)
        {
            request.RequestTypedOutputs();
        }

        var response = (await server.Client.ModelInferAsync(request)).Message;

        var hasTypedField = typeof(T) != typeof(Half) && typeof(T) != typeof(BFloat16);
        Assert.Equal(typedOutputs && hasTypedField, response.RawOutputContents.Count == 0);
        var output = response.GetOutput<T>("y");
        Assert.Equal(InferDatatype.Of<T>(), output.Datatype);
        Assert.Equal([2L, 3L], output.Shape);
        Assert.Equal(values, output.Data);
    }
}
