using System.Collections.Concurrent;
using System.Diagnostics;

namespace Inference.Grpc.Tests.Interop;

/// <summary>
/// A grpcio echo server (tests/interop/grpc/echo_server.py) for our client, one per test class. What the
/// server observes of a call ("EVENT started|cancelled|deadline &lt;call id&gt;" on its output) can be awaited.
/// </summary>
public sealed class GrpcioServerFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<(string What, string CallId), TaskCompletionSource> _events = new();
    private Process? _process;
    private Task? _reading;

    internal Uri? Address { get; private set; }

    internal string StartupError { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (PythonPeer.Missing is not null)
        {
            return;
        }

        _process = Process.Start(PythonPeer.StartInfo("echo_server.py", "--proto", PythonPeer.ProtoPath))!;
        var stderr = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("PORT ", StringComparison.Ordinal))
                {
                    Address = new Uri($"http://127.0.0.1:{line[5..].Trim()}");
                    _reading = ReadEventsAsync(_process.StandardOutput);
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

        StartupError = await stderr;
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
            if (_reading is not null)
            {
                await _reading.WaitAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>Completes when the server reports <paramref name="what"/> for the call with that x-call-id.</summary>
    internal Task EventAsync(string what, string callId) => Event(what, callId).Task;

    private TaskCompletionSource Event(string what, string callId) =>
        _events.GetOrAdd((what, callId), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReadEventsAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is ["EVENT", var what, var callId])
            {
                Event(what, callId).TrySetResult();
            }
        }
    }

    internal Uri RequireAddress()
    {
        PythonPeer.Require();
        Assert.True(Address is not null, $"The grpcio echo server did not start:\n{StartupError}");
        return Address!;
    }
}
