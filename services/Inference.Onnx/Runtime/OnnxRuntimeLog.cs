using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inference.Onnx.Interop;

namespace Inference.Onnx;

/// <summary>
/// Where ONNX Runtime's own log messages go (warnings about a model, errors inside a Run). The process-wide
/// environment is created with a custom logger that hands each message to <see cref="Sink"/>; without a sink
/// a message is written to standard error as one plain line. Set the sink before or after sessions exist:
/// it is read for every message.
/// </summary>
public static unsafe class OnnxRuntimeLog
{
    private static volatile Action<OnnxLogSeverity, string, string>? s_sink;

    /// <summary>Receives (severity, category, message); called on ONNX Runtime's threads, must not block.</summary>
    public static Action<OnnxLogSeverity, string, string>? Sink
    {
        get => s_sink;
        set => s_sink = value;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void OnNativeMessage(IntPtr param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        // Nothing may escape into native code: a failing sink loses the message, never the process.
        try
        {
            var level = (OnnxLogSeverity)Math.Clamp(severity, (int)OnnxLogSeverity.Verbose, (int)OnnxLogSeverity.Fatal);
            var categoryText = category is null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)category) ?? string.Empty;
            var text = message is null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)message) ?? string.Empty;
            if (s_sink is { } sink)
            {
                sink(level, categoryText, text);
            }
            else
            {
                Console.Error.WriteLine($"onnxruntime {level.ToString().ToLowerInvariant()} [{categoryText}] {text}");
            }
        }
        catch
        {
        }
    }
}
