using System.Diagnostics;

namespace Inference.Grpc.Tests;

/// <summary>
/// The reference gRPC implementation (python3-grpcio with grpc_tools) used by the interop tests.
/// Missing: the tests skip, unless INFERENCE_REQUIRE_PEERS=1, where they fail.
/// </summary>
internal static class PythonPeer
{
    private static readonly Lazy<string?> s_missing = new(Probe);

    /// <summary>The interpreter with grpcio: INFERENCE_PYTHON, else Debian's /usr/bin/python3.</summary>
    public static string Interpreter => Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    /// <summary>Why the peer cannot run, or null when it can.</summary>
    public static string? Missing => s_missing.Value;

    public static string ScriptsDirectory => Path.Combine(AppContext.BaseDirectory, "interop");

    public static string ProtoPath => Path.Combine(ScriptsDirectory, "echo.proto");

    /// <summary>Fails the test when the peer is missing (reached only when the peer is required).</summary>
    public static void Require()
    {
        if (Missing is { } reason)
        {
            Assert.Fail($"Interop peer required (INFERENCE_REQUIRE_PEERS=1) but missing: {reason}");
        }
    }

    public static ProcessStartInfo StartInfo(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = ScriptsDirectory,
        };
        info.ArgumentList.Add(Path.Combine(ScriptsDirectory, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Keep the interpreter's own modules: no user site or PYTHONPATH from the environment.
        info.Environment.Remove("PYTHONPATH");
        info.Environment.Remove("PYTHONHOME");
        return info;
    }

    private static string? Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Interpreter, ["-c", "import grpc, grpc_tools.protoc"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return $"{Interpreter} could not be started";
            }

            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                return $"{Interpreter} did not answer";
            }

            return process.ExitCode == 0 ? null : $"{Interpreter} lacks grpcio/grpc_tools (install python3-grpcio and python3-grpc-tools)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"{Interpreter} not found (install python3-grpcio and python3-grpc-tools)";
        }
    }
}
