using System.Collections.Concurrent;

namespace Inference.Onnx.Tests.Support;

/// <summary>Records what ONNX Runtime logs while it is installed as <see cref="OnnxRuntimeLog.Sink"/>.</summary>
internal sealed class LogRecorder : IDisposable
{
    private readonly ConcurrentQueue<(OnnxLogSeverity Severity, string Category, string Message)> _entries = new();

    public LogRecorder() => OnnxRuntimeLog.Sink = (severity, category, message) => _entries.Enqueue((severity, category, message));

    public IReadOnlyList<(OnnxLogSeverity Severity, string Category, string Message)> Entries => [.. _entries];

    public void Dispose() => OnnxRuntimeLog.Sink = null;
}
