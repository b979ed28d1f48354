namespace Inference.Onnx;

/// <summary>
/// A model input or output as the session declares it. <see cref="Shape"/> has -1 for every dimension
/// that is not fixed; <see cref="SymbolicDimensions"/> holds the name of such a dimension ("batch") or "".
/// </summary>
public sealed record TensorMetadata(
    string Name,
    OnnxValueKind Kind,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string> SymbolicDimensions)
{
    /// <summary>Whether every dimension is fixed.</summary>
    public bool IsStatic => Shape.All(d => d >= 0);
}
