using Inference.Onnx.TestData;

namespace Inference.Onnx.Tests.Support;

internal static class Peers
{
    private static readonly Lazy<string?> s_modelTools = new(() =>
        PythonModules.Missing(PythonInterpreter, "onnx, numpy, sklearn", "python3-onnx, python3-numpy and python3-sklearn"));

    /// <summary>CI sets INFERENCE_REQUIRE_PEERS=1: a missing peer or data set is then a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    /// <summary>The interpreter with onnx, numpy and sklearn: INFERENCE_PYTHON, else Debian's /usr/bin/python3.</summary>
    public static string PythonInterpreter =>
        Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    /// <summary>Why the model generators cannot run here, or null when they can.</summary>
    public static string? MissingModelTools => s_modelTools.Value;
}
