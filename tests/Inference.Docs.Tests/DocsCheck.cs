using Inference.Docs.Tests.Extraction;
using Inference.Docs.Tests.Programs;

namespace Inference.Docs.Tests;

/// <summary>
/// What is wrong with the documented commands: programs that are not there, help that fails, flags the help does not
/// list. A flag is known when the program's help lists it, or the help of the command the README shows it with
/// (<c>inference-exp set --help</c> for <c>--dry-run</c>).
/// </summary>
internal static class DocsCheck
{
    /// <param name="help">The help of a program, or of one of its commands (the second argument; null for the program's own).</param>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(IEnumerable<DocumentedCommand> commands, string root, Func<RepoProgram, string?, Task<HelpText>> help)
    {
        var problems = new List<string>();
        var failedHelp = new HashSet<RepoProgram>();
        foreach (var command in commands)
        {
            if (!command.Program.Exists(root))
            {
                problems.Add($"{command.Where}: `{command.Text}`: {command.Program} does not exist");
                continue;
            }

            if (!command.Program.HasHelp)
            {
                continue;
            }

            var text = await help(command.Program, null);
            if (!text.Succeeded)
            {
                if (failedHelp.Add(command.Program))
                {
                    problems.Add($"{command.Where}: {command.Program} --help exited {text.ExitCode}:\n{text.Text}");
                }

                continue;
            }

            var unknown = command.Flags.Where(f => !text.Lists(f)).ToArray();
            if (unknown.Length > 0 && command.Subcommand is { } subcommand && await help(command.Program, subcommand) is { Succeeded: true } commandHelp)
            {
                unknown = unknown.Where(f => !commandHelp.Lists(f)).ToArray();
            }

            foreach (var flag in unknown)
            {
                problems.Add($"{command.Where}: `{command.Text}`: {command.Program} does not list {flag} in its --help");
            }
        }

        return problems;
    }
}
