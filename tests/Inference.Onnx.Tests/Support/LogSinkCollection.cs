namespace Inference.Onnx.Tests.Support;

/// <summary>
/// Tests that set <see cref="OnnxRuntimeLog.Sink"/>, one process-wide sink: they run one at a time so that none
/// replaces another's sink mid-test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LogSinkCollection
{
    public const string Name = "OnnxRuntimeLog.Sink";
}
