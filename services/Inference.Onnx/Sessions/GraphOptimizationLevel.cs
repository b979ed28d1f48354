namespace Inference.Onnx;

/// <summary>How far ONNX Runtime rewrites the graph when a session is created.</summary>
public enum GraphOptimizationLevel
{
    Disabled = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
