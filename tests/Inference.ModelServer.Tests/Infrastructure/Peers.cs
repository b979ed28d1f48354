using Inference.Onnx.TestData;

namespace Inference.ModelServer.Tests;

/// <summary>External peers some tests need, and why they are unavailable.</summary>
internal static class Peers
{
    public const string Python = "python";
    public const string OnnxTestData = "onnx-testdata";

    private static readonly Lazy<string?> s_python = new(ProbePython);

    /// <summary>Interpreter with grpcio: INFERENCE_PYTHON, else Debian's /usr/bin/python3.</summary>
    public static string PythonInterpreter =>
        Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    public static string? Missing(string peer) => peer switch
    {
        Python => s_python.Value,
        OnnxTestData => BackendTestData.IsAvailable ? null : $"ONNX backend test data not found at {BackendTestData.NodeDirectory} (install libonnx-testdata)",
        _ => $"unknown peer {peer}",
    };

    /// <summary>Fails the running test when the peer is missing (reached only when peers are required).</summary>
    public static void Require(string peer)
    {
        if (Missing(peer) is { } reason)
        {
            Assert.Fail($"Peer required (INFERENCE_REQUIRE_PEERS=1) but missing: {reason}");
        }
    }

    private static string? ProbePython() =>
        PythonModules.Missing(PythonInterpreter, "grpc, grpc_tools.protoc", "python3-grpcio and python3-grpc-tools");
}
