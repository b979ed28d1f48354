namespace Inference.Images.Tests.Infrastructure;

/// <summary>The repository's python3-grpcio clients, run against the images from outside.</summary>
internal static class PythonClients
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>tests/interop/modelserver/oip_client.py: every OIP v2 and health case against an iris v1 model server.</summary>
    public static Task<ProcessResult> ModelServerCasesAsync(string address) =>
        RunAsync(RepoPaths.File("tests", "interop", "modelserver", "oip_client.py"), address, RepoPaths.Protos, RepoPaths.IrisExpected(1));

    /// <summary>tests/interop/router/router_client.py: every case through a router serving iris 1 (control) and 2 (treatment).</summary>
    public static Task<ProcessResult> RouterCasesAsync(string address, string experiment, int control, int treatment) =>
        RunAsync(RepoPaths.File("tests", "interop", "router", "router_client.py"), address, RepoPaths.Protos,
            RepoPaths.File("tests", "models", "iris"), experiment, $"{control}", $"{treatment}");

    /// <summary>router/example/call_router.py, as router/example/run-stack.sh runs it: one line per user.</summary>
    public static async Task<ProcessResult> CallRouterAsync(string address, int users)
    {
        using var stubs = new TempDirectory("call-router-stubs");
        return await RunAsync(RepoPaths.File("router", "example", "call_router.py"), "--address", address, "--users", $"{users}", "--stubs", stubs.Path);
    }

    private static Task<ProcessResult> RunAsync(string script, params string[] args) =>
        ChildProcess.RunAsync(Peers.PythonInterpreter, [script, .. args], timeout: Timeout);
}
