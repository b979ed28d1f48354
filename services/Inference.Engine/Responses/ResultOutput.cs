using Inference.Engine.Model;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Responses;

/// <summary>
/// One raw output of an <see cref="InferResult"/>: its tensor, shape and bytes, which are either a whole output of
/// ONNX Runtime (read in place, never copied before they are written) or a slice of a buffer of the response's own.
/// </summary>
internal readonly struct ResultOutput
{
    private readonly OrtValue? _value;
    private readonly ReadOnlyMemory<byte> _buffer;

    /// <summary>The whole of <paramref name="value"/>, <paramref name="length"/> bytes, read where ONNX Runtime put them.</summary>
    public ResultOutput(TensorSpec spec, long[] shape, OrtValue value, int length)
    {
        Spec = spec;
        Shape = shape;
        _value = value;
        Length = length;
    }

    /// <summary>Bytes the response holds itself (rows of a merged Run, encoded strings).</summary>
    public ResultOutput(TensorSpec spec, long[] shape, ReadOnlyMemory<byte> buffer)
    {
        Spec = spec;
        Shape = shape;
        _buffer = buffer;
        Length = buffer.Length;
    }

    public TensorSpec Spec { get; }

    public long[] Shape { get; }

    /// <summary>Bytes of the raw contents.</summary>
    public int Length { get; }

    public ReadOnlySpan<byte> Bytes => _value is null ? _buffer.Span : _value.GetTensorMutableRawData()[..Length];
}
