namespace Inference.Engine;

/// <summary>A request the engine did not answer, with the kind of failure and a message meant for the caller.</summary>
public sealed class InferenceException(InferenceErrorKind kind, string message) : Exception(message)
{
    public InferenceErrorKind Kind { get; } = kind;
}
