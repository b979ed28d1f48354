using System.Text.RegularExpressions;

namespace Inference.Docs.Tests.Programs;

/// <summary>What a program printed for <c>--help</c>, and whether it exited 0.</summary>
internal sealed record HelpText(int ExitCode, string Text)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Whether the help lists <paramref name="flag"/> as a word (<c>--port</c> is not found in <c>--http-port</c> or <c>--port-x</c>).</summary>
    public bool Lists(string flag) =>
        Regex.IsMatch(Text, $@"(?<![A-Za-z0-9-]){Regex.Escape(flag)}(?![A-Za-z0-9-])", RegexOptions.CultureInvariant);
}
