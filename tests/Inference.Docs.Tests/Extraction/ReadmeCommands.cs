using System.Text.RegularExpressions;
using Inference.Docs.Tests.Programs;

namespace Inference.Docs.Tests.Extraction;

/// <summary>
/// Finds the repository's own commands in a README: in fenced shell blocks (<c>```</c>, <c>```bash</c>,
/// <c>```sh</c>, <c>```shell</c>, <c>```console</c>) and, for their flags, in tables whose first cell names flags
/// (<c>| `--flag` | …</c>), which belong to the command shown last before the table, as do the indented lines of a
/// usage synopsis that start with an option in brackets (<c>    [--shard i/n] …</c>). Lines that are none of the
/// repository's programs (curl, docker, output shown after a command) are left alone.
/// </summary>
internal static partial class ReadmeCommands
{
    private static readonly HashSet<string> ShellInfos = new(StringComparer.OrdinalIgnoreCase) { "", "bash", "sh", "shell", "console" };
    private static readonly HashSet<string> DotnetTargetCommands = new(StringComparer.Ordinal) { "build", "test", "pack", "publish", "restore", "clean" };

    public static IReadOnlyList<DocumentedCommand> Extract(string readme, string markdown, ProgramCatalog catalog)
    {
        var found = new List<DocumentedCommand>();
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        string? fence = null;
        var shell = false;
        var continued = "";
        var continuedFrom = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                if (fence is null)
                {
                    fence = "```";
                    shell = ShellInfos.Contains(trimmed[3..].Trim());
                }
                else
                {
                    fence = null;
                    continued = "";
                }

                continue;
            }

            if (fence is null)
            {
                if (TableFlags(line) is { Count: > 0 } flags && found.LastOrDefault(c => c.Program.HasHelp) is { } owner)
                {
                    found.Add(owner with { Line = i + 1, Text = line.Trim(), Flags = flags });
                }

                continue;
            }

            if (!shell)
            {
                continue;
            }

            if (continued.Length == 0)
            {
                continuedFrom = i + 1;
            }

            if (line.EndsWith('\\'))
            {
                continued += line[..^1] + " ";
                continue;
            }

            var logical = Spaces().Replace(continued + line, " ").Trim();
            continued = "";
            var before = found.Count;
            found.AddRange(FromLine(readme, continuedFrom, logical, catalog));
            if (found.Count == before && char.IsWhiteSpace(line.FirstOrDefault()) && logical.StartsWith("[-", StringComparison.Ordinal)
                && found.LastOrDefault() is { Program.HasHelp: true } synopsis && synopsis.Line == continuedFrom - 1)
            {
                found.Add(synopsis with { Line = continuedFrom, Text = logical, Flags = Flags(ShellWords.Commands(logical).SelectMany(w => w).ToArray()) });
            }
        }

        return found;
    }

    /// <summary>The flags named in a table row's first cell, e.g. <c>| `--name &lt;model&gt;` / `--version &lt;v&gt;` | …</c>.</summary>
    public static IReadOnlyList<string> TableFlags(string line)
    {
        var trimmed = line.Trim();
        if (!trimmed.StartsWith('|'))
        {
            return [];
        }

        var end = trimmed.IndexOf('|', 1);
        var cell = end < 0 ? trimmed[1..] : trimmed[1..end];
        return CodeSpanFlag().Matches(cell).Select(m => m.Groups["flag"].Value).Distinct().ToArray();
    }

    private static IEnumerable<DocumentedCommand> FromLine(string readme, int lineNumber, string line, ProgramCatalog catalog)
    {
        if (line.StartsWith("$ ", StringComparison.Ordinal))
        {
            line = line[2..];
        }

        foreach (var words in ShellWords.Commands(line))
        {
            var start = 0;
            while (start < words.Count && Assignment().IsMatch(words[start]))
            {
                start++;
            }

            if (start < words.Count && Identify(words.Skip(start).ToArray(), catalog) is ({ } program, var arguments))
            {
                var subcommand = arguments.Count > 0 && Word().IsMatch(arguments[0]) ? arguments[0] : null;
                yield return new DocumentedCommand(readme, lineNumber, line, program, Flags(arguments), subcommand);
            }
        }
    }

    /// <summary>The program a command runs and the words that are its arguments, or (null, []) when it is not ours.</summary>
    private static (RepoProgram? Program, IReadOnlyList<string> Arguments) Identify(IReadOnlyList<string> words, ProgramCatalog catalog)
    {
        var first = words[0];
        var rest = words.Skip(1).ToArray();
        switch (first)
        {
            case "bash" or "sh" when rest.Length > 0 && IsRepoPath(rest[0]):
            case "python3" or "python" or "/usr/bin/python3" when rest.Length > 0 && IsRepoPath(rest[0]):
                return (new RepoProgram(ProgramKind.Script, Normalize(rest[0])), rest[1..]);
            case "dotnet" when rest.Length > 0:
                return Dotnet(rest, catalog);
        }

        if (IsRepoPath(first) && (first.EndsWith(".sh", StringComparison.Ordinal) || first.EndsWith(".py", StringComparison.Ordinal)))
        {
            return (new RepoProgram(ProgramKind.Script, Normalize(first)), rest);
        }

        return catalog.ByCommand(first) is { } tool ? (tool, rest) : (null, []);
    }

    private static (RepoProgram? Program, IReadOnlyList<string> Arguments) Dotnet(string[] words, ProgramCatalog catalog)
    {
        if (words[0] == "run")
        {
            var project = Array.IndexOf(words, "--project");
            var separator = Array.IndexOf(words, "--");
            return project >= 0 && project + 1 < words.Length
                ? (catalog.ByFolder(words[project + 1]), separator < 0 ? [] : words[(separator + 1)..])
                : (null, []);
        }

        if (words[0].EndsWith(".dll", StringComparison.Ordinal) && IsRepoPath(words[0]))
        {
            return (catalog.ByDll(words[0]), words[1..]);
        }

        if (DotnetTargetCommands.Contains(words[0]) && words.Skip(1).FirstOrDefault(w => !w.StartsWith('-')) is { } target && IsRepoPath(target))
        {
            return (new RepoProgram(ProgramKind.DotnetTarget, Normalize(target)), []);
        }

        return (null, []);
    }

    private static IReadOnlyList<string> Flags(IReadOnlyList<string> arguments) =>
        arguments
            .Select(a => a.TrimStart('[', '('))
            .Select(a => WordFlag().Match(a))
            .Where(m => m.Success)
            .Select(m => m.Value)
            .Distinct()
            .ToArray();

    /// <summary>A path inside the repository, as READMEs write them (relative, no variables or home folders).</summary>
    private static bool IsRepoPath(string word) =>
        word.Contains('/') && !word.StartsWith('/') && !word.StartsWith('$') && !word.StartsWith('~') && !word.StartsWith('<')
        && !word.StartsWith('"') && !word.StartsWith('\'') && !word.Contains("://", StringComparison.Ordinal);

    private static string Normalize(string path) => path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^[a-z][a-z0-9-]*$")]
    private static partial Regex Word();

    [GeneratedRegex(@"^--[A-Za-z0-9][A-Za-z0-9-]*")]
    private static partial Regex WordFlag();

    [GeneratedRegex(@"`(?<flag>--[A-Za-z0-9][A-Za-z0-9-]*)[^`]*`")]
    private static partial Regex CodeSpanFlag();
}
