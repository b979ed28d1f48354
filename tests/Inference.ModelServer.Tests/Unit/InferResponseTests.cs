using System.Text;
using Google.Protobuf;
using Inference.Contracts.Oip;
using Inference.ModelServer.Model;
using Inference.ModelServer.Tensors;
using Inference.Onnx;

namespace Inference.ModelServer.Tests.Unit;

/// <summary>
/// The response the server writes without building a ModelInferResponse must be, byte for byte, the one protobuf
/// would write for the same outputs: every client parses it as a ModelInferResponse.
/// </summary>
public sealed class InferResponseTests
{
    [Theory]
    [InlineData("req-7", -1, -1)]
    [InlineData("", -1, -1)]
    [InlineData("rows", 1, 2)]
    [InlineData("none", 3, 0)]
    public void IrisOutputs_SerializeAsTheEquivalentModelInferResponse(string id, long rowStart, long rowCount)
    {
        using var session = OnnxSession.Create(RepoPaths.Iris(1));
        float[] rows = [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f, 5.9f, 3.0f, 4.2f, 1.5f];
        using var input = OnnxValue.CreateTensor(rows.AsMemory(), [3, 4]);
        var outputs = new OnnxValue?[session.Outputs.Count];
        session.Run([0], [input], Enumerable.Range(0, outputs.Length).ToArray(), outputs);
        try
        {
            AssertSameBytes(session, outputs!, id, rowStart, rowCount);
        }
        finally
        {
            foreach (var output in outputs)
            {
                output?.Dispose();
            }
        }
    }

    [Fact]
    public void StringAndEmptyOutputs_SerializeAsTheEquivalentModelInferResponse()
    {
        using var strings = OnnxValue.CreateStringTensor(["", "naïve", "a\0b", "zzz"], [2, 2]);
        using var empty = OnnxValue.CreateTensor(TensorElementType.Float, [0, 3]);
        using var scalar = OnnxValue.CreateTensor(new[] { -7L }.AsMemory(), []);
        var specs = new[]
        {
            Spec(0, "text", TensorElementType.String, [-1, 2]),
            Spec(1, "nothing", TensorElementType.Float, [-1, 3]),
            Spec(2, "count", TensorElementType.Int64, []),
        };

        AssertSameBytes(specs, [strings, empty, scalar], "s", -1, -1);
    }

    [Fact]
    public void WrappedMessage_IsWrittenAsItself()
    {
        var message = new ModelInferResponse { ModelName = "iris", ModelVersion = "1", Id = "typed" };
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64", Contents = new InferTensorContents() };
        output.Shape.Add(2);
        output.Contents.Int64Contents.Add([0, 2]);
        message.Outputs.Add(output);

        var response = InferResponse.Of(message);

        Assert.Equal(message.CalculateSize(), response.CalculateSize());
        Assert.Equal(message.ToByteArray(), response.ToByteArray());
    }

    private static void AssertSameBytes(OnnxSession session, OnnxValue[] outputs, string id, long rowStart, long rowCount)
    {
        var specs = session.Outputs.Select((m, i) => new TensorSpec(i, m, OipDatatype.FromElementType(m.ElementType)!)).ToArray();
        AssertSameBytes(specs, outputs, id, rowStart, rowCount);
    }

    private static void AssertSameBytes(TensorSpec[] specs, OnnxValue[] values, string id, long rowStart, long rowCount)
    {
        var total = specs.Select((spec, i) => OutputEncoder.RawByteCount(spec, values[i], rowCount)).Sum();
        var buffer = new byte[total];
        var offset = 0;
        var raw = specs.Select((spec, i) => OutputEncoder.Raw(spec, values[i], rowStart, rowCount, buffer, ref offset)).ToArray();
        var response = InferResponse.Raw("iris", "1", id, raw);

        // What protobuf writes for the same outputs, built field by field from the values themselves.
        var expected = new ModelInferResponse { ModelName = "iris", ModelVersion = "1", Id = id };
        for (var i = 0; i < specs.Length; i++)
        {
            var shape = values[i].Shape.ToArray();
            long first = 0, count = values[i].ElementCount;
            if (rowCount >= 0)
            {
                var perRow = count / shape[0];
                (first, count, shape[0]) = (rowStart * perRow, rowCount * perRow, rowCount);
            }

            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = specs[i].Name, Datatype = specs[i].Datatype };
            tensor.Shape.Add(shape);
            expected.Outputs.Add(tensor);
            expected.RawOutputContents.Add(specs[i].IsString
                ? ByteString.CopyFrom(Enumerable.Range((int)first, (int)count).SelectMany(e => BytesElement(values[i].GetString(e))).ToArray())
                : ByteString.CopyFrom(values[i].GetTensorBytes().Slice((int)first * specs[i].ElementSize, (int)count * specs[i].ElementSize)));
        }

        Assert.Equal(total, offset);
        Assert.Equal(expected.CalculateSize(), response.CalculateSize());
        Assert.Equal(expected.ToByteArray(), response.ToByteArray());
        Assert.Equal(expected, ModelInferResponse.Parser.ParseFrom(response.ToByteArray()));
    }

    private static byte[] BytesElement(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        return [.. BitConverter.GetBytes((uint)utf8.Length), .. utf8];
    }

    private static TensorSpec Spec(int index, string name, TensorElementType type, long[] shape) =>
        new(index, new TensorMetadata(name, OnnxValueKind.Tensor, type, shape, shape.Select(_ => "").ToArray()), OipDatatype.FromElementType(type)!);
}
