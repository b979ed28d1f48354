namespace Inference.Benchmarks.ModelServer.Support;

/// <summary>A command line that cannot be run; the message is shown with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);
