using System.Buffers.Binary;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.Router.Shadow;

namespace Inference.Router.Tests.Unit;

/// <summary>The shadow's comparison of two ModelInferResponses, output by output.</summary>
public sealed class InferResponseComparerTests
{
    private static ModelInferResponse Response(params (string Name, string Datatype, long[] Shape, byte[] Raw)[] outputs)
    {
        var response = new ModelInferResponse { ModelName = "iris", Id = "r1" };
        foreach (var (name, datatype, shape, raw) in outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype };
            tensor.Shape.AddRange(shape);
            response.Outputs.Add(tensor);
            response.RawOutputContents.Add(ByteString.CopyFrom(raw));
        }

        return response;
    }

    private static byte[] Fp32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static byte[] Int64(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    private static byte[] Strings(params string[] values) =>
        values.SelectMany(v => BitConverter.GetBytes(System.Text.Encoding.UTF8.GetByteCount(v)).Concat(System.Text.Encoding.UTF8.GetBytes(v))).ToArray();

    private static IReadOnlyList<OutputComparison> Compare(ModelInferResponse a, ModelInferResponse b, double absolute = 1e-5, double relative = 1e-4) =>
        InferResponseComparer.Compare(a, b, absolute, relative);

    [Fact]
    public void IdenticalAnswers_Agree_WithZeroDifference()
    {
        var a = Response(("probabilities", "FP32", [2, 3], Fp32(0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f)), ("label", "INT64", [2], Int64(1, 0)));
        var result = Compare(a, a.Clone());
        Assert.All(result, r => Assert.True(r.Agreed));
        Assert.Equal(0, result[0].MaxAbsDifference);
        Assert.Equal((2, 2), (result[0].Rows, result[0].RowsAgreed));
        Assert.Equal((2, 2), (result[1].Rows, result[1].RowsAgreed));
    }

    [Fact]
    public void Floats_WithinTolerance_Agree_AndBeyond_Disagree()
    {
        var a = Response(("y", "FP32", [1, 2], Fp32(1.0f, 100.0f)));
        // |Δ| = 0.005 at 100: within 1e-5 + 1e-4 × 100 = 0.01001.
        var close = Response(("y", "FP32", [1, 2], Fp32(1.0f, 100.005f)));
        var far = Response(("y", "FP32", [1, 2], Fp32(1.0f, 100.02f)));

        var within = Assert.Single(Compare(a, close));
        Assert.True(within.Agreed);
        Assert.InRange(within.MaxAbsDifference!.Value, 0.004, 0.006);

        var beyond = Assert.Single(Compare(a, far));
        Assert.False(beyond.Agreed);
        Assert.InRange(beyond.MaxAbsDifference!.Value, 0.019, 0.021);
        Assert.Contains("1 of 2 elements differ; first at element 1: 100 vs 100.0", beyond.Difference, StringComparison.Ordinal);
        // The class (argmax) is the same in the only row.
        Assert.Equal((1, 1), (beyond.Rows, beyond.RowsAgreed));

        Assert.True(Assert.Single(Compare(a, far, absolute: 0.05)).Agreed);
        Assert.True(Assert.Single(Compare(a, far, absolute: 0, relative: 1e-3)).Agreed);
    }

    [Fact]
    public void ClassifierScores_CountRowsByArgmax()
    {
        var a = Response(("p", "FP32", [3, 2], Fp32(0.9f, 0.1f, 0.4f, 0.6f, 0.3f, 0.7f)));
        var b = Response(("p", "FP32", [3, 2], Fp32(0.8f, 0.2f, 0.6f, 0.4f, 0.2f, 0.8f)));
        var result = Assert.Single(Compare(a, b));
        Assert.False(result.Agreed);
        Assert.Equal(3, result.Rows);
        Assert.Equal(2, result.RowsAgreed);
    }

    [Fact]
    public void Integers_AndLabels_MustBeExactlyEqual()
    {
        var a = Response(("label", "INT64", [4], Int64(0, 1, 2, 1)));
        var b = Response(("label", "INT64", [4], Int64(0, 2, 2, 1)));
        var result = Assert.Single(Compare(a, b, absolute: 10));
        Assert.False(result.Agreed);
        Assert.Equal((4, 3), (result.Rows, result.RowsAgreed));
        Assert.Equal(1, result.MaxAbsDifference);
        Assert.Contains("first at element 1: 1 vs 2", result.Difference, StringComparison.Ordinal);
    }

    [Fact]
    public void StringLabels_MustBeExactlyEqual()
    {
        var a = Response(("label", "BYTES", [3, 1], Strings("setosa", "versicolor", "virginica")));
        var b = Response(("label", "BYTES", [3, 1], Strings("setosa", "virginica", "virginica")));
        var result = Assert.Single(Compare(a, b));
        Assert.False(result.Agreed);
        Assert.Null(result.MaxAbsDifference);
        Assert.Equal((3, 2), (result.Rows, result.RowsAgreed));
        Assert.Contains("\"versicolor\" vs \"virginica\"", result.Difference, StringComparison.Ordinal);
        Assert.True(Assert.Single(Compare(a, a.Clone())).Agreed);
    }

    [Fact]
    public void ShapeOrDatatype_Differs_Disagrees()
    {
        var a = Response(("y", "FP32", [1, 2], Fp32(1, 2)));
        var shape = Assert.Single(Compare(a, Response(("y", "FP32", [2, 1], Fp32(1, 2)))));
        Assert.False(shape.Agreed);
        Assert.Equal("shape [1,2] vs [2,1]", shape.Difference);
        var datatype = Assert.Single(Compare(a, Response(("y", "FP64", [1, 2], new byte[16]))));
        Assert.False(datatype.Agreed);
        Assert.Equal("datatype FP32 vs FP64", datatype.Difference);
    }

    [Fact]
    public void MissingAndExtraOutputs_Disagree()
    {
        var a = Response(("y", "FP32", [1], Fp32(1)), ("z", "FP32", [1], Fp32(2)));
        var b = Response(("y", "FP32", [1], Fp32(1)), ("w", "FP32", [1], Fp32(2)));
        var result = Compare(a, b);
        Assert.Equal(["y", "z", "w"], result.Select(r => r.Output));
        Assert.Equal([true, false, false], result.Select(r => r.Agreed));
        Assert.Equal("missing from the shadow's answer", result[1].Difference);
        Assert.Equal("only in the shadow's answer", result[2].Difference);
    }

    [Fact]
    public void TypedContents_AreComparedLikeRaw()
    {
        ModelInferResponse Typed(params float[] values)
        {
            var response = new ModelInferResponse();
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = "y", Datatype = "FP32", Shape = { values.Length }, Contents = new InferTensorContents() };
            tensor.Contents.Fp32Contents.AddRange(values);
            response.Outputs.Add(tensor);
            return response;
        }

        Assert.True(Assert.Single(Compare(Typed(1, 2), Typed(1, 2))).Agreed);
        Assert.False(Assert.Single(Compare(Typed(1, 2), Typed(1, 3))).Agreed);
        Assert.False(Assert.Single(Compare(Typed(1, 2), Typed(1))).Agreed);
    }

    [Fact]
    public void NaN_EqualsNaN_ButNotANumber()
    {
        var a = Response(("y", "FP32", [2], Fp32(float.NaN, 1)));
        Assert.True(Assert.Single(Compare(a, a.Clone())).Agreed);
        var b = Response(("y", "FP32", [2], Fp32(0, 1)));
        var result = Assert.Single(Compare(a, b));
        Assert.False(result.Agreed);
        Assert.Equal(double.PositiveInfinity, result.MaxAbsDifference);
    }

    [Fact]
    public void RawContents_ThatDoNotFitTheDatatype_Disagree()
    {
        var a = Response(("y", "FP32", [2], Fp32(1, 2)));
        var b = Response(("y", "FP32", [2], new byte[7]));
        Assert.Contains("contents that do not fit", Assert.Single(Compare(a, b)).Difference, StringComparison.Ordinal);
    }
}
