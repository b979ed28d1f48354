using Inference.Contracts.Oip;

namespace Inference.Client.Tests;

/// <summary>Typed contents go in the field the protocol assigns to each datatype; FP16 and BF16 have none.</summary>
public sealed class TypedEncodingTests
{
    [Fact]
    public void SmallIntegers_WidenIntoThe32BitFields()
    {
        var request = new ModelInferRequest()
            .AddInput<sbyte>("i8", [-128, 127], [2], TensorEncoding.Typed)
            .AddInput<short>("i16", [-2], [1], TensorEncoding.Typed)
            .AddInput<byte>("u8", [255], [1], TensorEncoding.Typed)
            .AddInput<ushort>("u16", [65535], [1], TensorEncoding.Typed);

        Assert.Equal([-128, 127], request.Inputs[0].Contents.IntContents);
        Assert.Equal([-2], request.Inputs[1].Contents.IntContents);
        Assert.Equal([255u], request.Inputs[2].Contents.UintContents);
        Assert.Equal([65535u], request.Inputs[3].Contents.UintContents);
        Assert.Equal(["INT8", "INT16", "UINT8", "UINT16"], request.Inputs.Select(i => i.Datatype));
        Assert.Empty(request.RawInputContents);
    }

    [Fact]
    public void EveryOtherDatatype_HasItsOwnField()
    {
        var request = new ModelInferRequest()
            .AddInput<bool>("b", [true, false], [2], TensorEncoding.Typed)
            .AddInput<int>("i32", [int.MinValue], [1], TensorEncoding.Typed)
            .AddInput<long>("i64", [long.MaxValue], [1], TensorEncoding.Typed)
            .AddInput<uint>("u32", [uint.MaxValue], [1], TensorEncoding.Typed)
            .AddInput<ulong>("u64", [ulong.MaxValue], [1], TensorEncoding.Typed)
            .AddInput<float>("f32", [1.5f], [1], TensorEncoding.Typed)
            .AddInput<double>("f64", [-0.25], [1], TensorEncoding.Typed)
            .AddInput("s", ["hé"], [1], TensorEncoding.Typed);

        Assert.Equal([true, false], request.Inputs[0].Contents.BoolContents);
        Assert.Equal([int.MinValue], request.Inputs[1].Contents.IntContents);
        Assert.Equal([long.MaxValue], request.Inputs[2].Contents.Int64Contents);
        Assert.Equal([uint.MaxValue], request.Inputs[3].Contents.UintContents);
        Assert.Equal([ulong.MaxValue], request.Inputs[4].Contents.Uint64Contents);
        Assert.Equal([1.5f], request.Inputs[5].Contents.Fp32Contents);
        Assert.Equal([-0.25], request.Inputs[6].Contents.Fp64Contents);
        Assert.Equal([0x68, 0xC3, 0xA9], Assert.Single(request.Inputs[7].Contents.BytesContents).ToByteArray());
        Assert.Equal(["BOOL", "INT32", "INT64", "UINT32", "UINT64", "FP32", "FP64", "BYTES"], request.Inputs.Select(i => i.Datatype));
    }

    [Fact]
    public void HalfPrecision_HasNoTypedField()
    {
        Assert.Throws<NotSupportedException>(() => new ModelInferRequest().AddInput<Half>("x", [(Half)1f], [1], TensorEncoding.Typed));
        Assert.Throws<NotSupportedException>(() => new ModelInferRequest().AddInput<BFloat16>("x", [(BFloat16)1f], [1], TensorEncoding.Typed));
    }

    [Fact]
    public void TypedOutputs_AreReadBackNarrowed()
    {
        var response = new ModelInferResponse();
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = "y", Datatype = "INT8", Contents = new InferTensorContents() };
        tensor.Shape.Add(2);
        tensor.Contents.IntContents.Add([-1, 100]);
        response.Outputs.Add(tensor);

        Assert.Equal(new sbyte[] { -1, 100 }, response.GetOutput<sbyte>("y").Data);
        Assert.Throws<InvalidOperationException>(() => response.GetOutput<byte>("y"));
    }

    [Fact]
    public void RawAndTypedInputs_DoNotMixInOneRequest()
    {
        var request = new ModelInferRequest().AddInput<float>("a", [1f], [1]);

        var error = Assert.Throws<InvalidOperationException>(() => request.AddInput<float>("b", [1f], [1], TensorEncoding.Typed));
        Assert.Contains("either raw contents for every input or typed contents for every input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeAndValueCount_MustAgree()
    {
        var error = Assert.Throws<ArgumentException>(() => new ModelInferRequest().AddInput<float>("a", [1f, 2f, 3f], [2, 2]));

        Assert.Contains("holds 4 elements, but 3 were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTypedOutputs_SetsBinaryDataOutputFalse()
    {
        var request = new ModelInferRequest().RequestTypedOutputs();

        var parameter = request.Parameters["binary_data_output"];
        Assert.Equal(InferParameter.ParameterChoiceOneofCase.BoolParam, parameter.ParameterChoiceCase);
        Assert.False(parameter.BoolParam);
    }
}
