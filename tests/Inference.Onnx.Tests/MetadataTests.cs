using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

public sealed class MetadataTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Iris_DeclaresInputAndOutputs(int version)
    {
        using var session = OnnxSession.Create(Models.Iris(version));

        var input = Assert.Single(session.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxValueKind.Tensor, input.Kind);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal([-1L, 4L], input.Shape);
        Assert.Equal(["batch", string.Empty], input.SymbolicDimensions);
        Assert.False(input.IsStatic);

        Assert.Equal(["probabilities", "label"], session.Outputs.Select(o => o.Name));
        Assert.Equal(TensorElementType.Float, session.Outputs[0].ElementType);
        Assert.Equal([-1L, 3L], session.Outputs[0].Shape);
        Assert.Equal(TensorElementType.Int64, session.Outputs[1].ElementType);
        Assert.Equal([-1L], session.Outputs[1].Shape);
        Assert.Equal(["batch"], session.Outputs[1].SymbolicDimensions);

        Assert.Equal(0, session.GetInputIndex("input"));
        Assert.Equal(1, session.GetOutputIndex("label"));
        Assert.Equal(-1, session.GetInputIndex("Input"));
    }

    [Fact]
    public void Iris_ModelMetadata_IsRead()
    {
        using var v1 = OnnxSession.Create(Models.Iris(1));
        using var v2 = OnnxSession.Create(Models.Iris(2));

        var metadata = v2.GetModelMetadata();
        Assert.Equal("inference-tests", metadata.ProducerName);
        Assert.Equal("iris_mlp", metadata.GraphName);
        Assert.Equal(2, metadata.Version);
        Assert.Contains("MLP", metadata.Description, StringComparison.Ordinal);
        Assert.Equal("setosa,versicolor,virginica", metadata.CustomMetadata["classes"]);
        Assert.Equal(2, metadata.CustomMetadata.Count);

        Assert.Equal("iris_logistic_regression", v1.GetModelMetadata().GraphName);
        Assert.Equal(1, v1.GetModelMetadata().Version);
    }

    [Fact]
    public void SymbolicDims_NamedUnnamedAndFixedDimensionsAreReported()
    {
        using var session = OnnxSession.Create(Models.Fixture("symbolic_dims"));

        var a = session.Inputs[session.GetInputIndex("a")];
        Assert.Equal([-1L, -1L, 4L], a.Shape);
        Assert.Equal(["batch", string.Empty, string.Empty], a.SymbolicDimensions);

        var b = session.Inputs[session.GetInputIndex("b")];
        Assert.Equal([4L], b.Shape);
        Assert.True(b.IsStatic);
    }

    [Theory]
    [MemberData(nameof(ElementTypeRoundTripTests.IdentityModels), MemberType = typeof(ElementTypeRoundTripTests))]
    public void Identity_ReportsItsElementType(string fixture, TensorElementType type)
    {
        using var session = OnnxSession.Create(Models.Fixture(fixture));

        Assert.Equal(type, Assert.Single(session.Inputs).ElementType);
        Assert.Equal(type, Assert.Single(session.Outputs).ElementType);
        Assert.Equal(["batch", string.Empty], session.Outputs[0].SymbolicDimensions);
    }
}
