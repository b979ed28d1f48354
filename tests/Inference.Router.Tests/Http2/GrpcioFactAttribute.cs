using System.Diagnostics;

namespace Inference.Router.Tests.Http2;

/// <summary>A fact needing python3-grpcio: skipped when it is missing, unless INFERENCE_REQUIRE_PEERS=1.</summary>
public sealed class GrpcioFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public GrpcioFactAttribute()
    {
        if (!GrpcioEchoServer.Required && Missing.Value is { } reason)
        {
            Skip = $"python3-grpcio missing: {reason}";
        }
    }

    private static string? Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import grpc, grpc_tools.protoc"])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null || !process.WaitForExit(60_000))
            {
                return "/usr/bin/python3 did not answer";
            }

            return process.ExitCode == 0 ? null : "/usr/bin/python3 cannot import grpc and grpc_tools";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }
}
