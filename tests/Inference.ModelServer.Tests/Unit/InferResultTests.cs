using System.Buffers;
using Google.Protobuf;
using Inference.Client;
using Inference.Contracts.Oip;
using Inference.Engine.Execution;
using Inference.Engine.Model;
using Inference.Engine.Responses;

namespace Inference.ModelServer.Tests.Unit;

/// <summary>
/// A result is written straight from ONNX Runtime's outputs; its bytes must be exactly those the generated code writes for
/// the same ModelInferResponse, whatever the writer's buffers (the response pipe hands out blocks of 4 KiB).
/// </summary>
public sealed class InferResultTests
{
    public static TheoryData<string> Ids => new() { "", "r-1", "requête-中文-😀", new string('x', 5000) + "é" };

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task IrisResult_IsTheGeneratedSerializersBytes(string id)
    {
        using var model = InferenceModel.Load(RepoPaths.IrisModel(1), "iris", "1", new ModelOptions { IntraOpThreads = 1 });
        await using var engine = new InferenceEngine(model, new EngineOptions());
        var rows = Enumerable.Range(0, 300 * 4).Select(i => (float)(i % 7)).ToArray();

        using var result = await engine.InferResultAsync(
            new ModelInferRequest { ModelName = "iris", Id = id }.AddInput<float>("input", rows, [300, 4]));

        AssertWritesAsGenerated(result, expectedOutputs: 2);
    }

    [Theory]
    [InlineData("identity_float.onnx", 0)]
    [InlineData("identity_float.onnx", 1)]
    [InlineData("identity_float.onnx", 2000)]
    [InlineData("identity_bool.onnx", 5)]
    [InlineData("identity_int64.onnx", 3)]
    public async Task IdentityResult_IsTheGeneratedSerializersBytes(string fixture, int rows)
    {
        using var model = InferenceModel.Load(RepoPaths.Fixture(fixture), "fixture", "1");
        await using var engine = new InferenceEngine(model, new EngineOptions());
        var request = new ModelInferRequest { ModelName = "fixture", Id = "id" };
        var spec = model.Inputs[0];
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = spec.Name, Datatype = spec.Datatype, Shape = { rows, 3 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[rows * 3 * spec.ElementSize]));

        using var result = await engine.InferResultAsync(request);

        AssertWritesAsGenerated(result, expectedOutputs: 1);
    }

    [Fact]
    public async Task StringResult_IsTheGeneratedSerializersBytes()
    {
        using var model = InferenceModel.Load(RepoPaths.Fixture("identity_string.onnx"), "fixture", "1");
        await using var engine = new InferenceEngine(model, new EngineOptions());

        using var result = await engine.InferResultAsync(new ModelInferRequest { ModelName = "fixture" }
            .AddInput("x", ["a", "", "中文", "b", "c", new string('z', 9000)], [2, 3]));

        AssertWritesAsGenerated(result, expectedOutputs: 1);
    }

    [Fact]
    public async Task TypedResult_IsTheGeneratedMessage()
    {
        using var model = InferenceModel.Load(RepoPaths.IrisModel(1), "iris", "1");
        await using var engine = new InferenceEngine(model, new EngineOptions());

        using var result = await engine.InferResultAsync(new ModelInferRequest { ModelName = "iris", Id = "t" }
            .AddInput<float>("input", [5.1f, 3.5f, 1.4f, 0.2f], [1, 4])
            .RequestTypedOutputs());

        var message = result.ToMessage();
        Assert.Empty(message.RawOutputContents);
        Assert.Equal(2, message.Outputs.Count);
        Assert.Equal(message.ToByteArray(), Write(result, new ArrayBufferWriter<byte>()));
    }

    private static void AssertWritesAsGenerated(InferResult result, int expectedOutputs)
    {
        var message = result.ToMessage();
        Assert.Equal(expectedOutputs, message.RawOutputContents.Count);
        var expected = message.ToByteArray();

        Assert.Equal(expected.Length, result.CalculateSize());
        Assert.Equal(expected, Write(result, new ArrayBufferWriter<byte>()));
        Assert.Equal(expected, Write(result, new SmallSpanWriter()));
    }

    private static byte[] Write(InferResult result, IBufferWriter<byte> writer)
    {
        result.WriteTo(writer);
        return writer switch
        {
            ArrayBufferWriter<byte> array => array.WrittenSpan.ToArray(),
            SmallSpanWriter small => small.Written,
            _ => throw new NotSupportedException(),
        };
    }

    /// <summary>Hands out spans just as large as asked (at least 3 bytes), so every field crosses buffer boundaries.</summary>
    private sealed class SmallSpanWriter : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public byte[] Written => [.. _written];

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _current.Length);
            _written.AddRange(_current.AsSpan(0, count).ToArray());
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 3)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
