using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Runtime;

/// <summary>
/// ONNX Runtime's process-wide environment, created once with a logging function, so that its own messages (a
/// node that failed inside a Run, warnings about a model) reach <see cref="Sink"/> as single lines instead of its
/// console logger. Without a sink they go to standard error.
/// </summary>
public static class OnnxRuntimeEnvironment
{
    private static readonly Lock s_lock = new();

    // Kept in a field: ONNX Runtime calls it through a pointer for as long as the process runs.
    private static readonly DOrtLoggingFunction s_log = OnMessage;
    private static volatile Action<LogLevel, string, string>? s_sink;
    private static OrtEnv? s_environment;

    /// <summary>Receives (level, category, message) from ONNX Runtime's threads; must not block. The last host set wins.</summary>
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

            lock (s_lock)
            {
                if (s_environment is null)
                {
                    var options = new EnvironmentCreationOptions
                    {
                        logId = "inference",
                        logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                        loggingFunction = s_log,
                    };
                    s_environment = OrtEnv.CreateInstanceWithOptions(ref options);
                }

                return s_environment;
            }
        }
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
            if (s_sink is { } sink)
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
}
