namespace Inference.Testing;

/// <summary>The chart renderer refused the values or a template failed; the message is its error output.</summary>
public sealed class RenderFailedException(string message) : Exception(message);
