using System.Diagnostics;

namespace Inference.EndToEnd.Tests.Infrastructure;

/// <summary>External peers some tests need, and why they are unavailable.</summary>
internal static class Peers
{
    public const string Python = "python3-grpcio";

    private static readonly Lazy<string?> s_python = new(ProbePython);

    /// <summary>Debian's interpreter, which has grpcio (INFERENCE_PYTHON overrides it).</summary>
    public static string PythonInterpreter =>
        Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    /// <summary>CI sets INFERENCE_REQUIRE_PEERS=1: a missing peer is then a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    public static string? Missing(string peer) => peer switch
    {
        Python => s_python.Value,
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

    private static string? ProbePython()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(PythonInterpreter, ["-c", "import grpc, grpc_tools.protoc"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return $"{PythonInterpreter} could not be started";
            }

            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                return $"{PythonInterpreter} did not answer";
            }

            return process.ExitCode == 0 ? null : $"{PythonInterpreter} lacks grpcio/grpc_tools (install python3-grpcio and python3-grpc-tools)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{PythonInterpreter} not found (install python3-grpcio and python3-grpc-tools)";
        }
    }
}
