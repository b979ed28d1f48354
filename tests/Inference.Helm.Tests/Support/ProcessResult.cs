namespace Inference.Helm.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
