using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Tensors;

/// <summary>An output of a Run with its shape, read from ONNX Runtime once.</summary>
internal readonly struct RunOutput
{
    public RunOutput(OrtValue value)
    {
        Value = value;
        var info = value.GetTensorTypeAndShape();
        Shape = info.Shape;
        ElementCount = info.ElementCount;
    }

    public OrtValue Value { get; }

    public long[] Shape { get; }

    public long ElementCount { get; }

    /// <summary>The tensor's bytes (numeric tensors only).</summary>
    public ReadOnlySpan<byte> Bytes => Value.GetTensorMutableRawData();
}
