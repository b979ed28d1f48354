using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>A tensor created over caller memory is that memory: ONNX Runtime reads the caller's bytes, not a copy.</summary>
public sealed class ZeroCopyTests
{
    [Fact]
    public void TensorOverAnArray_SharesItsMemory_WithOnnxRuntime()
    {
        var source = new float[] { 1f, 2f, 3f, 4f, 5f, 6f };
        using var tensor = OnnxValue.CreateTensor(source.AsMemory(), [2, 3]);

        // The data pointer ONNX Runtime reports for the tensor is the array's first element.
        Assert.True(Unsafe.AreSame(
            ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(source.AsSpan())),
            ref MemoryMarshal.GetReference(tensor.GetTensorBytes())));

        // A change to the array after the tensor exists is what the tensor holds, and what a Run reads.
        source[4] = -50f;
        Assert.Equal(-50f, tensor.GetTensorData<float>()[4]);
        using var session = OnnxSession.Create(Models.Fixture("identity_float"));
        using var outputs = session.Run([new KeyValuePair<string, OnnxValue>("x", tensor)]);
        Assert.Equal([1f, 2f, 3f, 4f, -50f, 6f], outputs["y"].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void TensorOverRawBytes_SharesThemToo()
    {
        var raw = new byte[6 * sizeof(long)];
        using var tensor = OnnxValue.CreateTensor(TensorElementType.Int64, raw.AsMemory(), [2, 3]);

        BitConverter.TryWriteBytes(raw.AsSpan(8), 42L);

        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(raw.AsSpan()), ref MemoryMarshal.GetReference(tensor.GetTensorBytes())));
        Assert.Equal([0L, 42L, 0L, 0L, 0L, 0L], tensor.GetTensorData<long>().ToArray());
    }

    [Fact]
    public void CopiedTensor_DoesNotFollowItsSource()
    {
        var source = new byte[] { 1, 2, 3 };
        using var tensor = OnnxValue.CreateTensorCopy(TensorElementType.UInt8, source, [1, 3]);

        source[0] = 99;

        Assert.False(Unsafe.AreSame(ref MemoryMarshal.GetReference(source.AsSpan()), ref MemoryMarshal.GetReference(tensor.GetTensorBytes())));
        Assert.Equal([1, 2, 3], tensor.GetTensorBytes().ToArray());
    }
}
