namespace Inference.Batch.Scoring;

/// <summary>The model refused a Run's values (OIP INVALID_ARGUMENT; ONNX Runtime's invalid argument).</summary>
internal sealed class RunRefusedException(string message) : Exception(message);
