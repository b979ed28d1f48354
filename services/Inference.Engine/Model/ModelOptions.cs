using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Model;

/// <summary>How ONNX Runtime runs a model. The defaults suit a server: CPU, every graph optimisation, sequential nodes.</summary>
public sealed record ModelOptions
{
    /// <summary>The execution provider used when none is named.</summary>
    public const string CpuProvider = "CPU";

    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads running independent nodes with <see cref="ExecutionMode.ORT_PARALLEL"/>; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.ORT_SEQUENTIAL;

    /// <summary>
    /// "CPU", or another provider ONNX Runtime was built with ("CUDA", "TensorRT", "OpenVINO", …). Loading fails with
    /// <see cref="NotSupportedException"/> when the ONNX Runtime package in use does not have it.
    /// </summary>
    public string ExecutionProvider { get; init; } = CpuProvider;
}
