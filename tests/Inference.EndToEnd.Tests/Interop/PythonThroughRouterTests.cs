using System.Globalization;
using Inference.EndToEnd.Tests.Infrastructure;

namespace Inference.EndToEnd.Tests.Interop;

/// <summary>The reference gRPC implementation (python3-grpcio) as a client of the router in front of real model servers.</summary>
[Collection(StackCollection.Name)]
public sealed class PythonThroughRouterTests(IrisStack stack)
{
    private static readonly string[] Cases =
    [
        "server_live", "server_ready", "server_metadata", "health_check", "model_ready", "model_metadata",
        "model_infer_split", "model_infer_sticky", "model_infer_pinned_typed", "model_infer_gzip",
        "not_found_model", "not_found_version",
    ];

    [PeerFact(Peers.PythonGrpc)]
    public async Task GrpcioClient_PassesEveryCase()
    {
        Peers.Require(Peers.PythonGrpc);
        var models = Path.GetDirectoryName(Path.GetDirectoryName(RepoPaths.IrisModel("1")))!;
        await using var python = ChildProcess.Start(
            "router_client.py",
            Peers.PythonInterpreter,
            [
                RepoPaths.File("tests", "interop", "router", "router_client.py"), stack.Router.Target, RepoPaths.Protos, models, RouterConfigFile.Experiment,
                IrisStack.Split.Control.ToString(CultureInfo.InvariantCulture), IrisStack.Split.Treatment.ToString(CultureInfo.InvariantCulture),
            ],
            new Dictionary<string, string?> { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null });

        var exitCode = await python.WaitForExitAsync(TimeSpan.FromMinutes(2));

        var output = python.Output;
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}");
        foreach (var name in Cases)
        {
            Assert.Contains($"PASS {name}\n", output + "\n", StringComparison.Ordinal);
        }
    }
}
