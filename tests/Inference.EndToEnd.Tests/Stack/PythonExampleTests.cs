using Shared = Inference.Testing;

namespace Inference.EndToEnd.Tests.Stack;

/// <summary>The README's Python example on a machine without python3-grpcio: one line naming the packages, no traceback.</summary>
public sealed class PythonExampleTests
{
    [Shared.PeerFact(Shared.Peers.PythonGrpc)]
    public async Task WithoutGrpcio_ExitsWithOneLineNamingThePackage()
    {
        Shared.Peers.Require(Shared.Peers.PythonGrpc);

        // -S leaves the interpreter without its site packages, as on a machine where python3-grpcio is not installed.
        var result = await Shared.ChildProcess.RunAsync(
            Shared.Peers.PythonInterpreter,
            ["-S", Path.Combine(Shared.RepoPaths.Root, "router", "example", "call_router.py"), "--users", "1"],
            timeout: TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode != 0, result.ToString());
        var message = result.Stderr.Trim();
        Assert.DoesNotContain("Traceback", message);
        Assert.Single(message.Split('\n'));
        Assert.Contains("python3-grpcio", message);
        Assert.Contains("grpc is missing", message);
    }
}
