using Inference.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Model;

/// <summary>One input or output of a loaded model, as clients see it.</summary>
public sealed class TensorSpec
{
    internal TensorSpec(int index, string name, TensorElementType elementType, string datatype, long[] shape)
    {
        Index = index;
        Name = name;
        ElementType = elementType;
        Datatype = datatype;
        Shape = shape;
        ElementSize = OipDatatype.SizeOf(elementType);
        ShapeText = FormatShape(Shape);
        Description = $"{Name} ({Datatype} {ShapeText})";
    }

    /// <summary>Index among the model's inputs (or outputs), as the session orders them.</summary>
    public int Index { get; }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    /// <summary>OIP v2 datatype name (FP32, BYTES…).</summary>
    public string Datatype { get; }

    /// <summary>Declared shape; -1 where a dimension is not fixed.</summary>
    public long[] Shape { get; }

    /// <summary>The declared shape as error messages show it, e.g. "[-1,4]" (formatted once, not per request).</summary>
    public string ShapeText { get; }

    /// <summary>Bytes per element; 0 for BYTES.</summary>
    public int ElementSize { get; }

    public bool IsString => ElementType == TensorElementType.String;

    /// <summary>Whether dimension 0 can take any size (the batch dimension).</summary>
    public bool HasDynamicBatch => Shape.Length > 0 && Shape[0] < 0;

    /// <summary>"name (FP32 [-1,4])", for error messages.</summary>
    public string Description { get; }

    public static string FormatShape(ReadOnlySpan<long> shape) => "[" + string.Join(",", shape.ToArray()) + "]";
}
