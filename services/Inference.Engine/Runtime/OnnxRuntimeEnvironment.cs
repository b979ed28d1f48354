using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Runtime;

/// <summary>
/// ONNX Runtime's process-wide environment, created once with a logging function, so that its own messages (a
/// node that failed inside a Run, warnings about a model) reach a sink as single lines instead of its console
/// logger. ONNX Runtime names the session a message comes from by the session's log id: a message of a session
/// whose log id has a sink (<see cref="AddSink"/>) goes there, so two models in one process (tests, tools) each
/// log their own; other messages go to <see cref="Sink"/>, and without one to standard error.
/// </summary>
public static class OnnxRuntimeEnvironment
{
    private static readonly Lock Gate = new();

    // Kept in a field: ONNX Runtime calls it through a pointer for as long as the process runs.
    private static readonly DOrtLoggingFunction LogFunction = OnMessage;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Action<LogLevel, string, string>> SessionSinks = new(StringComparer.Ordinal);
    private static volatile Action<LogLevel, string, string>? s_sink;
    private static long s_lastLogId;
    private static OrtEnv? s_environment;

    /// <summary>
    /// Receives (level, category, message) from ONNX Runtime's threads for messages of no session with a sink of its
    /// own; must not block.
    /// </summary>
    public static Action<LogLevel, string, string>? Sink
    {
        get => s_sink;
        set => s_sink = value;
    }

    /// <summary>The environment every session of this process shares (created on first use).</summary>
    public static OrtEnv Instance
    {
        get
        {
            if (Volatile.Read(ref s_environment) is { } environment)
            {
                return environment;
            }

            lock (Gate)
            {
                if (s_environment is null)
                {
                    var options = new EnvironmentCreationOptions
                    {
                        logId = "inference",
                        logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                        loggingFunction = LogFunction,
                    };
                    s_environment = OrtEnv.CreateInstanceWithOptions(ref options);
                }

                return s_environment;
            }
        }
    }

    /// <summary>A log id no other session of this process has, for <see cref="SessionOptions.LogId"/>.</summary>
    public static string NewLogId(string name) =>
        $"{name}#{Interlocked.Increment(ref s_lastLogId).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Sends the messages of the session with <paramref name="logId"/> to <paramref name="sink"/> (same contract as
    /// <see cref="Sink"/>) until the returned handle is disposed.
    /// </summary>
    public static IDisposable AddSink(string logId, Action<LogLevel, string, string> sink)
    {
        SessionSinks[logId] = sink;
        return new SinkRegistration(logId, sink);
    }

    /// <summary>ONNX Runtime's version, e.g. "1.32.0".</summary>
    public static string Version => Instance.GetVersionString();

    /// <summary>The execution providers of the ONNX Runtime in use, e.g. "CPUExecutionProvider".</summary>
    public static IReadOnlyList<string> AvailableProviders => Instance.GetAvailableProviders();

    private static void OnMessage(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        // Nothing may escape into native code: a failing sink loses the message, never the process.
        try
        {
            var level = severity switch
            {
                OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => LogLevel.Debug,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => LogLevel.Information,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => LogLevel.Warning,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            if ((logId is not null && SessionSinks.TryGetValue(logId, out var sink)) || (sink = s_sink) is not null)
            {
                sink(level, category ?? string.Empty, message ?? string.Empty);
            }
            else
            {
                Console.Error.WriteLine($"onnxruntime {level} [{category}] {message}");
            }
        }
        catch
        {
        }
    }

    private sealed class SinkRegistration(string logId, Action<LogLevel, string, string> sink) : IDisposable
    {
        public void Dispose() => SessionSinks.TryRemove(new KeyValuePair<string, Action<LogLevel, string, string>>(logId, sink));
    }
}
