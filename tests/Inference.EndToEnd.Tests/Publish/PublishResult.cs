namespace Inference.EndToEnd.Tests.Publish;

/// <summary>How one <c>dotnet publish</c> ended, with its output for failure messages.</summary>
internal sealed record PublishResult(int ExitCode, string Output);
