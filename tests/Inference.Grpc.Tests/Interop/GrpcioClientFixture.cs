using System.Diagnostics;
using System.Text.Json;

namespace Inference.Grpc.Tests.Interop;

/// <summary>Runs the grpcio client cases once against our server; each test reads its case's result.</summary>
public sealed class GrpcioClientFixture : IAsyncLifetime
{
    internal TestServer Server { get; private set; } = null!;

    internal Dictionary<string, (bool Ok, string Detail)> Results { get; } = [];

    internal string Output { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        if (PythonPeer.Missing is not null)
        {
            return;
        }

        using var process = Process.Start(PythonPeer.StartInfo("client_cases.py",
            "--port", Server.H2cPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--proto", PythonPeer.ProtoPath))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        Output = await stdout + await stderr;
        foreach (var line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Results[root.GetProperty("case").GetString()!] = (root.GetProperty("ok").GetBoolean(), root.GetProperty("detail").GetString() ?? string.Empty);
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    internal void AssertCase(string name)
    {
        PythonPeer.Require();
        Assert.True(Results.TryGetValue(name, out var result), $"grpcio case '{name}' did not report. Output:\n{Output}");
        Assert.True(result.Ok, $"grpcio case '{name}' failed:\n{result.Detail}");
    }
}
