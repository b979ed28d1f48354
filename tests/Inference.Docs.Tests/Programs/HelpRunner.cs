using System.Collections.Concurrent;

namespace Inference.Docs.Tests.Programs;

/// <summary>
/// Runs each program with <c>--help</c> once, or <c>&lt;command&gt; --help</c> for a command's own help (its build
/// output for projects, bash or Python for scripts).
/// </summary>
internal sealed class HelpRunner(string root)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<(RepoProgram, string?), Lazy<Task<HelpText>>> _texts = new();

    public Task<HelpText> GetAsync(RepoProgram program, string? subcommand) =>
        _texts.GetOrAdd((program, subcommand), key => new(() => RunAsync(key.Item1, key.Item2))).Value;

    private async Task<HelpText> RunAsync(RepoProgram program, string? subcommand)
    {
        string[] help = subcommand is null ? ["--help"] : [subcommand, "--help"];
        var (fileName, arguments) = program.Kind switch
        {
            ProgramKind.DotnetProject => (ChildProcess.DotnetHost, [Built(program), .. help]),
            ProgramKind.Script when program.Path.EndsWith(".py", StringComparison.Ordinal) =>
                (Peers.PythonInterpreter, [Path.Combine(root, program.Path), .. help]),
            ProgramKind.Script => ("bash", new[] { Path.Combine(root, program.Path) }.Concat(help).ToArray()),
            _ => throw new InvalidOperationException($"{program} has no help of ours"),
        };
        var result = await ChildProcess.RunAsync(fileName, arguments, timeout: Timeout, workingDirectory: root);
        return new HelpText(result.ExitCode, result.Stdout + result.Stderr);
    }

    /// <summary>The dll built from the project in the configuration the tests run in.</summary>
    private static string Built(RepoProgram program)
    {
        var folder = Path.GetDirectoryName(program.Path)!;
        return BuiltExecutables.Assembly(folder, Path.GetFileName(program.Path), program.Assembly!);
    }
}
