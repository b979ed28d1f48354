using System.Collections.Concurrent;
using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>ONNX Runtime's own log messages reach <see cref="OnnxRuntimeLog.Sink"/> instead of its console logger.</summary>
public sealed class LogTests
{
    [Fact]
    public void ErrorInsideARun_IsLoggedThroughTheSink_WithSeverityAndMessage()
    {
        var received = new ConcurrentQueue<(OnnxLogSeverity Severity, string Category, string Message)>();
        OnnxRuntimeLog.Sink = (severity, category, message) => received.Enqueue((severity, category, message));
        try
        {
            using var session = OnnxSession.Create(Models.Fixture("add_two"));
            using var a = OnnxValue.CreateTensor(new float[6].AsMemory(), [2, 3]);
            using var b = OnnxValue.CreateTensor(new float[12].AsMemory(), [4, 3]);
            var outputs = new OnnxValue?[1];

            Assert.Throws<OnnxRuntimeException>(() => session.Run([0, 1], [a, b], [0], outputs));
        }
        finally
        {
            OnnxRuntimeLog.Sink = null;
        }

        // ONNX Runtime logs the failing node before returning the error status.
        Assert.Contains(received, entry =>
            entry.Severity == OnnxLogSeverity.Error
            && entry.Message.Contains("Add", StringComparison.Ordinal)
            && entry.Message.Contains("broadcast", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ThrowingSink_DoesNotBreakTheRunOrTheProcess()
    {
        OnnxRuntimeLog.Sink = (_, _, _) => throw new InvalidOperationException("sink failed");
        try
        {
            using var session = OnnxSession.Create(Models.Fixture("add_two"));
            using var a = OnnxValue.CreateTensor(new float[6].AsMemory(), [2, 3]);
            using var b = OnnxValue.CreateTensor(new float[12].AsMemory(), [4, 3]);
            var outputs = new OnnxValue?[1];

            var ex = Assert.Throws<OnnxRuntimeException>(() => session.Run([0, 1], [a, b], [0], outputs));
            Assert.Contains("broadcast", ex.OrtMessage, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            OnnxRuntimeLog.Sink = null;
        }
    }
}
