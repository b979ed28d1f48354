using System.Diagnostics;

namespace Inference.Onnx.Tests.Support;

internal static class Peers
{
    private static readonly Lazy<string?> s_modelTools = new(ProbeModelTools);

    /// <summary>CI sets INFERENCE_REQUIRE_PEERS=1: a missing peer or data set is then a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    /// <summary>The interpreter with onnx, numpy and sklearn: INFERENCE_PYTHON, else Debian's /usr/bin/python3.</summary>
    public static string PythonInterpreter =>
        Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    /// <summary>Why the model generators cannot run here, or null when they can.</summary>
    public static string? MissingModelTools => s_modelTools.Value;

    private static string? ProbeModelTools()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(PythonInterpreter, ["-c", "import onnx, numpy, sklearn"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null || !process.WaitForExit(60_000))
            {
                return $"{PythonInterpreter} did not answer";
            }

            return process.ExitCode == 0
                ? null
                : $"{PythonInterpreter} lacks onnx/numpy/sklearn (install python3-onnx, python3-numpy and python3-sklearn)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{PythonInterpreter} not found (install python3-onnx, python3-numpy and python3-sklearn)";
        }
    }
}
