namespace Inference.Testing;

/// <summary>
/// The external peers some tests need (Debian packages), whether each is here, and the rule for a missing one:
/// on a developer machine the test is skipped naming what to install; with <c>INFERENCE_REQUIRE_PEERS=1</c> (CI)
/// it runs and fails.
/// </summary>
public static class Peers
{
    /// <summary>python3-grpcio and python3-grpc-tools: the reference gRPC implementation and protoc for Python.</summary>
    public const string PythonGrpc = "python3-grpcio";

    /// <summary>python3-onnx, python3-numpy and python3-sklearn: the model generators.</summary>
    public const string PythonModelTools = "python3-onnx";

    /// <summary>libonnx-testdata: the ONNX backend test suite.</summary>
    public const string OnnxTestData = "libonnx-testdata";

    /// <summary>python3-scipy (with numpy): reference values for statistics.</summary>
    public const string PythonScipy = "python3-scipy";

    private static readonly Dictionary<string, Lazy<string?>> s_probes = new(StringComparer.Ordinal)
    {
        [PythonGrpc] = new(() => PythonModules.Missing("grpc, grpc_tools.protoc", "python3-grpcio and python3-grpc-tools")),
        [PythonModelTools] = new(() => PythonModules.Missing("onnx, numpy, sklearn", "python3-onnx, python3-numpy and python3-sklearn")),
        [PythonScipy] = new(() => PythonModules.Missing("numpy, scipy.stats", "python3-numpy and python3-scipy")),
        [OnnxTestData] = new(() => Directory.Exists(OnnxTestDataDirectory)
            ? null
            : $"ONNX backend test data not found at {OnnxTestDataDirectory} (install libonnx-testdata)"),
    };

    /// <summary>CI sets INFERENCE_REQUIRE_PEERS=1: a missing peer is then a failure, not a skip.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    /// <summary>Debian's interpreter, which has the python3-* packages (INFERENCE_PYTHON overrides it).</summary>
    public static string PythonInterpreter =>
        Environment.GetEnvironmentVariable("INFERENCE_PYTHON") is { Length: > 0 } path ? path : "/usr/bin/python3";

    /// <summary>Where Debian's libonnx-testdata puts the node tests (INFERENCE_ONNX_TESTDATA overrides it).</summary>
    public static string OnnxTestDataDirectory =>
        Environment.GetEnvironmentVariable("INFERENCE_ONNX_TESTDATA") is { Length: > 0 } path ? path : "/usr/share/libonnx-testdata/data/node";

    /// <summary>
    /// Registers a peer known only to one test project (an executable, say): <paramref name="probe"/> returns why
    /// it is missing, or null. Registering the same name twice keeps the first probe.
    /// </summary>
    public static void Register(string peer, Func<string?> probe)
    {
        lock (s_probes)
        {
            s_probes.TryAdd(peer, new Lazy<string?>(probe));
        }
    }

    /// <summary>Why <paramref name="peer"/> is unavailable here, or null when it is available.</summary>
    public static string? Missing(string peer)
    {
        Lazy<string?>? probe;
        lock (s_probes)
        {
            s_probes.TryGetValue(peer, out probe);
        }

        return probe is null ? $"unknown peer '{peer}'" : probe.Value;
    }

    /// <summary>The skip reason for a test that needs <paramref name="peers"/>, or null when it must run.</summary>
    public static string? SkipReason(params string[] peers)
    {
        if (Required)
        {
            return null;
        }

        var missing = peers.Select(Missing).OfType<string>().ToArray();
        return missing.Length == 0 ? null : $"{string.Join("; ", missing)} (set INFERENCE_REQUIRE_PEERS=1 to fail instead)";
    }

    /// <summary>Fails the running test when a peer is missing (reached only when peers are required).</summary>
    public static void Require(params string[] peers)
    {
        foreach (var peer in peers)
        {
            if (Missing(peer) is { } reason)
            {
                Assert.Fail($"Peer required (INFERENCE_REQUIRE_PEERS=1) but missing: {reason}");
            }
        }
    }

    /// <summary>Whether an executable is on PATH (or is an existing absolute path).</summary>
    public static string? MissingExecutable(string name, string package)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? null : $"{name} not found (install {package})";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, name)))
            {
                return null;
            }
        }

        return $"{name} not found on PATH (install {package})";
    }
}
