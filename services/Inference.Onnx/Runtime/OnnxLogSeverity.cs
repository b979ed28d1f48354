namespace Inference.Onnx;

/// <summary>ONNX Runtime's logging levels (OrtLoggingLevel), in order.</summary>
public enum OnnxLogSeverity
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
