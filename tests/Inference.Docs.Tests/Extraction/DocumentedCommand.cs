using Inference.Docs.Tests.Programs;

namespace Inference.Docs.Tests.Extraction;

/// <summary>
/// A use of one of the repository's programs in a README: where, as written, the flags it shows, and its first
/// argument when that is a bare word (<c>set</c> in <c>inference-exp set …</c>), which may be a command with help of its own.
/// </summary>
internal sealed record DocumentedCommand(string Readme, int Line, string Text, RepoProgram Program, IReadOnlyList<string> Flags, string? Subcommand = null)
{
    public string Where => $"{Readme}:{Line}";
}
