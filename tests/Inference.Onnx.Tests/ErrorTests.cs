using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>ONNX Runtime's failures surface as <see cref="OnnxRuntimeException"/> carrying its code and message.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void BadModelBytes_FailWithOrtsMessage()
    {
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create("not an onnx model"u8));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, ex.ErrorCode);
        Assert.Contains("Protobuf parsing failed", ex.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void MissingModelFile_FailsWithNoSuchFile()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "models", "absent.onnx");
        var ex = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(path));

        Assert.Equal(OrtErrorCode.NoSuchFile, ex.ErrorCode);
        Assert.Contains("absent.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongInputName_FailsInsideRun()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[4].AsMemory(), [1, 4]);

        var ex = Assert.Throws<OnnxRuntimeException>(() =>
            session.Run([new KeyValuePair<string, OnnxValue>("features", input)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, ex.ErrorCode);
        Assert.Contains("features", ex.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongOutputName_FailsInsideRun()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[4].AsMemory(), [1, 4]);

        var ex = Assert.Throws<OnnxRuntimeException>(() =>
            session.Run([new KeyValuePair<string, OnnxValue>("input", input)], ["scores"]));

        Assert.Contains("scores", ex.OrtMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShape_NamesTheInputAndDimension()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[5].AsMemory(), [1, 5]);
        var outputs = new OnnxValue?[1];

        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run([0], [input], [0], outputs));

        Assert.Equal(OrtErrorCode.InvalidArgument, ex.ErrorCode);
        Assert.Contains("invalid dimensions for input: input", ex.OrtMessage, StringComparison.Ordinal);
        Assert.Null(outputs[0]);
    }

    [Fact]
    public void WrongElementType_IsRejected()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new double[4].AsMemory(), [1, 4]);
        var outputs = new OnnxValue?[1];

        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run([0], [input], [0], outputs));

        Assert.Equal(OrtErrorCode.InvalidArgument, ex.ErrorCode);
        Assert.Contains("data type", ex.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ShapesThatCannotBroadcast_FailWhenTheNodeRuns()
    {
        using var session = OnnxSession.Create(Models.Fixture("add_two"));
        using var a = OnnxValue.CreateTensor(new float[6].AsMemory(), [2, 3]);
        using var b = OnnxValue.CreateTensor(new float[12].AsMemory(), [4, 3]);
        var outputs = new OnnxValue?[1];

        var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run([0, 1], [a, b], [0], outputs));

        Assert.Contains("Add", ex.OrtMessage, StringComparison.Ordinal);
        Assert.Contains("broadcast", ex.OrtMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void DataLength_MustMatchShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => OnnxValue.CreateTensor(new float[3].AsMemory(), [1, 4]));
        Assert.Contains("needs 16 bytes, but 12 were given", ex.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => OnnxValue.CreateTensorCopy(TensorElementType.Int64, new byte[7], [1]));
        Assert.Throws<ArgumentException>(() => OnnxValue.CreateStringTensor(["a"], [2]));
        Assert.Throws<ArgumentException>(() => OnnxValue.CreateTensor(TensorElementType.Float, [-1, 4]));
    }

    [Fact]
    public void OutOfRangeIndices_AreRejectedBeforeCallingOrt()
    {
        using var session = OnnxSession.Create(Models.Iris(1));
        using var input = OnnxValue.CreateTensor(new float[4].AsMemory(), [1, 4]);
        var outputs = new OnnxValue?[1];

        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run([1], [input], [0], outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run([0], [input], [2], outputs));
    }

    [Theory]
    [InlineData("CUDA")]
    [InlineData("TensorRT")]
    [InlineData("NoSuchProvider")]
    public void UnavailableExecutionProvider_FailsClearly(string provider)
    {
        var options = new OnnxSessionOptions { ExecutionProvider = provider };

        // Either the runtime does not list the provider, or it lists it (CUDA and TensorRT are listed by
        // the official CPU build) but cannot load its library: both are reported the same way.
        var ex = Assert.Throws<NotSupportedException>(() => OnnxSession.Create(Models.Iris(1), options));

        Assert.Contains($"Execution provider '{provider}'", ex.Message, StringComparison.Ordinal);
        Assert.True(
            ex.Message.Contains("available: ", StringComparison.Ordinal) || ex.InnerException is OnnxRuntimeException,
            ex.Message);
    }

    [Fact]
    public void ReadingTheWrongKindOfData_IsRefused()
    {
        using var strings = OnnxValue.CreateStringTensor(["a"], [1]);
        using var floats = OnnxValue.CreateTensor(new float[1].AsMemory(), [1]);

        Assert.Throws<InvalidOperationException>(() => strings.GetTensorBytes().Length);
        Assert.Throws<InvalidOperationException>(() => floats.GetString(0));
        Assert.Throws<InvalidOperationException>(() => floats.GetTensorData<double>().Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => strings.GetString(1));
    }
}
