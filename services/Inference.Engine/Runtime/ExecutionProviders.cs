using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Runtime;

/// <summary>Adds the execution provider a model's options name, or says clearly that the ONNX Runtime in use lacks it.</summary>
internal static class ExecutionProviders
{
    private const string Suffix = "ExecutionProvider";

    public static void Append(SessionOptions options, string name)
    {
        var shortName = name.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) ? name[..^Suffix.Length] : name;
        if (string.Equals(shortName, "CPU", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var available = OnnxRuntimeEnvironment.AvailableProviders;
        // Registered names are "<Name>ExecutionProvider" with varying case (Tensorrt, Dml, Xnnpack).
        if (!available.Any(p => string.Equals(p, shortName + Suffix, StringComparison.OrdinalIgnoreCase)))
        {
            throw new NotSupportedException(
                $"Execution provider '{name}' is not available in ONNX Runtime {OnnxRuntimeEnvironment.Version} "
                + $"(available: {string.Join(", ", available)}); the Microsoft.ML.OnnxRuntime package is CPU only, "
                + "Microsoft.ML.OnnxRuntime.Gpu.Linux has CUDA and TensorRT.");
        }

        try
        {
            if (string.Equals(shortName, "CUDA", StringComparison.OrdinalIgnoreCase))
            {
                options.AppendExecutionProvider_CUDA(0);
            }
            else if (string.Equals(shortName, "TensorRT", StringComparison.OrdinalIgnoreCase))
            {
                options.AppendExecutionProvider_Tensorrt(0);
            }
            else
            {
                options.AppendExecutionProvider(shortName, new Dictionary<string, string>());
            }
        }
        catch (OnnxRuntimeException ex)
        {
            // Listed providers may still be unusable (their shared library or driver is missing).
            throw new NotSupportedException($"Execution provider '{name}' could not be enabled: {OrtFailure.Of(ex).Message}", ex);
        }
    }
}
