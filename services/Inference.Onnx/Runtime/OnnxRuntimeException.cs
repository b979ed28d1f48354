namespace Inference.Onnx;

/// <summary>An error reported by ONNX Runtime, with its code and message.</summary>
public sealed class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(OrtErrorCode errorCode, string message)
        : base($"[ONNXRuntime:{errorCode}] {message}")
    {
        ErrorCode = errorCode;
        OrtMessage = message;
    }

    /// <summary>The code ONNX Runtime returned.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ONNX Runtime's message, unchanged.</summary>
    public string OrtMessage { get; }
}
