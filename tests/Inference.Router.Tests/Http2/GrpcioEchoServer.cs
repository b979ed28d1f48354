using System.Diagnostics;

namespace Inference.Router.Tests.Http2;

/// <summary>
/// The python3-grpcio echo server (tests/interop/grpc/echo_server.py), the reference HTTP/2 peer
/// for the built-in client. Without grpcio the tests skip, unless INFERENCE_REQUIRE_PEERS=1.
/// </summary>
public sealed class GrpcioEchoServer : IAsyncLifetime
{
    private const string Interpreter = "/usr/bin/python3";
    private Process? _process;
    private string _failure = "";

    internal Uri? Url { get; private set; }

    internal static bool Required => Environment.GetEnvironmentVariable("INFERENCE_REQUIRE_PEERS") == "1";

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "interop");
        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add(Path.Combine(folder, "echo_server.py"));
        info.ArgumentList.Add("--proto");
        info.ArgumentList.Add(Path.Combine(folder, "echo.proto"));
        info.Environment.Remove("PYTHONPATH");
        try
        {
            _process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            _failure = $"{Interpreter}: {ex.Message}";
            return;
        }

        var stderr = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("PORT ", StringComparison.Ordinal))
                {
                    Url = new Uri($"http://127.0.0.1:{line[5..].Trim()}");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _failure = await stderr;
    }

    /// <summary>The server's address; fails the test when it did not start.</summary>
    internal Uri Require()
    {
        Assert.True(Url is not null, $"the grpcio echo server did not start: {_failure}");
        return Url!;
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
