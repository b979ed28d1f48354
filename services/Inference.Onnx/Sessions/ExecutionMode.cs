namespace Inference.Onnx;

/// <summary>Whether independent graph nodes may run in parallel (on the inter-op pool).</summary>
public enum ExecutionMode
{
    Sequential = 0,
    Parallel = 1,
}
