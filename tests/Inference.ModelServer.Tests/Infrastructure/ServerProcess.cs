using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Inference.Onnx.TestData;

namespace Inference.ModelServer.Tests;

/// <summary>The real model server executable as a child process: started, read, signalled.</summary>
internal static partial class ServerProcess
{
    public const string LibraryVariable = "INFERENCE_ONNXRUNTIME_LIBRARY";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM, as Kubernetes does to stop a pod.</summary>
    public static void Terminate(Process process) => Assert.Equal(0, Kill(process.Id, SigTerm));

    public static Process Start(IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        Process.Start(StartInfo(environment, arguments)) ?? throw new InvalidOperationException("The server did not start.");

    /// <summary>Runs the server until it exits by itself.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(
        IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var info = StartInfo(environment, arguments);
        return ChildProcess.RunAsync(info.FileName, info.ArgumentList, Environment(environment), Timeout);
    }

    /// <summary>Starts the server and waits for its Listening line.</summary>
    public static async Task<StartedServer> StartAsync(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var process = Start(environment, arguments);
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<(Uri Grpc, Uri Http)>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                if (e.Data is null)
                {
                    listening.TrySetException(new InvalidOperationException("The server exited before listening:\n" + output));
                    return;
                }

                output.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult((new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value)));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var (grpc, http) = await listening.Task.WaitAsync(Timeout);
            return new StartedServer(process, grpc, http, () =>
            {
                lock (output)
                {
                    return output.ToString();
                }
            });
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?>? environment, string[] arguments) =>
        ChildProcess.StartInfo(
            System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Inference.ModelServer.dll"), .. arguments],
            Environment(environment));

    // The child finds ONNX Runtime as a deployed server would, unless a test says otherwise.
    private static Dictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? overrides)
    {
        var environment = new Dictionary<string, string?> { [LibraryVariable] = null };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        return environment;
    }

    [GeneratedRegex(@"Listening: grpc=(\S+) http=(\S+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
