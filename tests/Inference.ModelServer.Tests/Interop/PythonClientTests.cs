using System.Diagnostics;

namespace Inference.ModelServer.Tests.Interop;

/// <summary>The reference gRPC implementation (python3-grpcio) as the client of our model server.</summary>
public sealed class PythonClientTests(IrisServerFixture fixture) : IClassFixture<IrisServerFixture>
{
    private static readonly string[] Cases =
    [
        "server_live", "server_ready", "server_metadata", "model_ready", "model_metadata", "infer_raw", "infer_typed",
        "infer_gzip", "not_found_model", "not_found_version", "invalid_datatype", "invalid_raw_length", "invalid_shape", "unknown_method",
    ];

    [PeerFact(Peers.Python)]
    public async Task GrpcioClient_PassesEveryCase()
    {
        Peers.Require(Peers.Python);
        var address = fixture.Server.Host.GrpcAddress;
        var info = new ProcessStartInfo(Peers.PythonInterpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "interop", "oip_client.py"));
        info.ArgumentList.Add($"{address.Host}:{address.Port}");
        info.ArgumentList.Add(RepoPaths.PredictProto);
        info.ArgumentList.Add(RepoPaths.IrisExpected(1));
        info.Environment.Remove("PYTHONPATH");
        info.Environment.Remove("PYTHONHOME");

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var output = await stdout;

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        foreach (var name in Cases)
        {
            Assert.Contains($"PASS {name}", output, StringComparison.Ordinal);
        }
    }
}
