using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference.Engine.Model;
using Inference.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.ModelServer.Tests.Unit;

public sealed class InputTensorTests
{
    private static readonly TensorSpec Input = new(0, "input", TensorElementType.Float, "FP32", [-1, 4]);

    [Fact]
    public void RawNumericContents_BecomeAnOnnxRuntimeTensorOverTheRequestsOwnBytes()
    {
        float[] values = [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f];
        var raw = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        var input = new InputTensor(Input, [2, 4], 8, raw, null);

        using var tensor = input.ToValue(out var pin);
        using (pin)
        {
            // The tensor ONNX Runtime reads is the request's memory itself: same address, same length, no copy.
            var tensorBytes = tensor.GetTensorMutableRawData();
            Assert.True(
                Unsafe.AreSame(ref MemoryMarshal.GetReference(raw.Span), ref MemoryMarshal.GetReference(tensorBytes)),
                "the tensor's data is not the request's bytes");
            Assert.Equal(raw.Length, tensorBytes.Length);
            Assert.Equal(values, tensor.GetTensorDataAsSpan<float>().ToArray());
        }
    }

    [Fact]
    public void TypedContents_AreCopiedIntoATensorOnnxRuntimeOwns()
    {
        var typed = new Inference.Contracts.Oip.InferTensorContents();
        typed.Fp32Contents.Add([1f, 2f, 3f, 4f]);
        var input = new InputTensor(Input, [1, 4], 4, null, typed);

        using var tensor = input.ToValue(out var pin);

        Assert.Equal([1f, 2f, 3f, 4f], tensor.GetTensorDataAsSpan<float>().ToArray());
    }
}
