using Inference.Onnx.Tests.Support;

namespace Inference.Onnx.Tests;

/// <summary>ONNX Runtime's own log messages reach <see cref="OnnxRuntimeLog.Sink"/> instead of its console logger.</summary>
[Collection(LogSinkCollection.Name)]
public sealed class LogTests
{
    [Fact]
    public void ErrorInsideARun_IsLoggedThroughTheSink_WithSeverityAndMessage()
    {
        using var log = new LogRecorder();
        using (var session = OnnxSession.Create(Models.Fixture("add_two")))
        {
            using var a = OnnxValue.CreateTensor(new float[6].AsMemory(), [2, 3]);
            using var b = OnnxValue.CreateTensor(new float[12].AsMemory(), [4, 3]);
            var outputs = new OnnxValue?[1];

            Assert.Throws<OnnxRuntimeException>(() => session.Run([0, 1], [a, b], [0], outputs));
        }

        // ONNX Runtime logs the failing node before returning the error status.
        Assert.Contains(log.Entries, entry =>
            entry.Severity == OnnxLogSeverity.Error
            && entry.Message.Contains("Add", StringComparison.Ordinal)
            && entry.Message.Contains("broadcast", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void SessionLogSeverity_DecidesWhichOfItsMessagesArrive()
    {
        // Sessions of other tests keep the default (warnings and above), so verbose and info lines are this test's.
        var quiet = Path.Combine(Path.GetTempPath(), $"quiet-{Guid.NewGuid():N}.onnx");
        using (var log = new LogRecorder())
        {
            using var session = OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions { LogSeverityLevel = 2, OptimizedModelFilePath = quiet });
            Assert.DoesNotContain(log.Entries, entry => entry.Message.Contains(quiet, StringComparison.Ordinal));
            Assert.DoesNotContain(log.Entries, entry => entry.Severity < OnnxLogSeverity.Warning);
        }

        using (var log = new LogRecorder())
        {
            using var session = OnnxSession.Create(Models.Iris(1), new OnnxSessionOptions { LogSeverityLevel = 0 });
            Assert.Contains(log.Entries, entry => entry.Severity == OnnxLogSeverity.Verbose);
            Assert.Contains(log.Entries, entry =>
                entry.Severity == OnnxLogSeverity.Info && entry.Message.Contains("session_log_severity_level:0", StringComparison.Ordinal));
        }

        File.Delete(quiet);
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
