namespace Inference.Helm.Tests.Support;

/// <summary>The renderer rejected the values or a template failed; the message is its error output.</summary>
internal sealed class RenderFailedException(string message) : Exception(message);
